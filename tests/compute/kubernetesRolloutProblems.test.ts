import type { V1Deployment, V1Pod } from '../../compute/kubernetes/client';
import { isAvailable, rolloutProblem } from '../../compute/kubernetes/rolloutProblems';

const deployment = (conditions: object[] = [], status: object = {}): V1Deployment =>
  ({ metadata: { generation: 1 }, status: { observedGeneration: 1, conditions, ...status } }) as V1Deployment;
const waitingPod = (reason: string, message: string, lastExit?: number): V1Pod =>
  ({
    metadata: { name: 'p' },
    status: {
      containerStatuses: [
        {
          name: 'app',
          image: 'img@sha256:x',
          state: { waiting: { reason, message } },
          ...(lastExit !== undefined ? { lastState: { terminated: { exitCode: lastExit, reason: 'Error' } } } : {}),
        },
      ],
    },
  }) as unknown as V1Pod;
const unschedulable: V1Pod = {
  metadata: { name: 'p' },
  status: {
    conditions: [
      { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' },
    ],
  },
} as V1Pod;

test.each([
  ['a rollout on its way', deployment([{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }]), [], null],
  [
    'a quota refusal',
    deployment([{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "r-1" is forbidden: exceeded quota: q' }]),
    [],
    'FailedCreate: pods "r-1" is forbidden: exceeded quota: q',
  ],
  ['an unschedulable pod', deployment(), [unschedulable], 'FailedScheduling: 0/1 nodes are available: 1 Insufficient cpu.'],
  ['an image that cannot be pulled', deployment(), [waitingPod('ErrImagePull', 'not found')], 'ErrImagePull: not found'],
  [
    'the pull back-off',
    deployment(),
    [waitingPod('ImagePullBackOff', 'Back-off pulling image')],
    'ImagePullBackOff: Back-off pulling image',
  ],
  [
    'a crash loop',
    deployment(),
    [waitingPod('CrashLoopBackOff', 'back-off 10s', 3)],
    'CrashLoopBackOff: back-off 10s (last exit code 3, Error)',
  ],
  ['a container still being created', deployment(), [waitingPod('ContainerCreating', '')], null],
  [
    'the progress deadline',
    deployment([
      { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "r" has timed out progressing.' },
    ]),
    [],
    'ProgressDeadlineExceeded: ReplicaSet "r" has timed out progressing.',
  ],
  [
    'the pod reason over the bare deadline',
    deployment([{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' }]),
    [unschedulable],
    'FailedScheduling: 0/1 nodes are available: 1 Insufficient cpu.',
  ],
])('%s', (_name, d, pods, expected) => {
  expect(rolloutProblem(d, pods as V1Pod[])).toBe(expected);
});

test.each([
  [{ availableReplicas: 1 }, 1, true],
  [{ availableReplicas: 0 }, 1, false],
  // A status from before the latest spec change says nothing about it.
  [{ availableReplicas: 1, observedGeneration: 1 }, 2, false],
])('available %j at generation %i: %s', (status, generation, expected) => {
  const d = { metadata: { generation }, status: { observedGeneration: 1, ...status } } as V1Deployment;
  expect(isAvailable(d)).toBe(expected);
});
