import type { V1Deployment, V1Pod } from './client';

/**
 * Why a revision's Deployment will not become available without someone changing something:
 * the reasons a cluster adds to "the process did not start". Pure: it reads the Deployment's
 * conditions and its pods' states as the API reports them. null while it may still come up.
 */
const STUCK_CONTAINER_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export function rolloutProblem(deployment: V1Deployment, pods: V1Pod[]): string | null {
  const conditions = deployment.status?.conditions ?? [];
  const deadline = conditions.find((c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded');
  // A quota refusal surfaces only here: no pod exists to carry an event or a state.
  const replicaFailure = conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (replicaFailure) return `${replicaFailure.reason ?? 'ReplicaFailure'}: ${replicaFailure.message ?? 'pods cannot be created'}`;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const waiting = status.state?.waiting;
      if (waiting?.reason && STUCK_CONTAINER_REASONS.has(waiting.reason)) {
        const exit = status.lastState?.terminated;
        const lastExit = exit ? ` (last exit code ${exit.exitCode}${exit.reason ? `, ${exit.reason}` : ''})` : '';
        return `${waiting.reason}: ${waiting.message ?? status.image ?? ''}${lastExit}`.trim();
      }
    }
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    // The scheduler's FailedScheduling event carries the same message as this condition.
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      return `FailedScheduling: ${scheduled.message ?? 'no node fits the pod'}`;
    }
  }
  if (deadline) return `ProgressDeadlineExceeded: ${deadline.message ?? 'the rollout did not progress in time'}`;
  return null;
}

export function isAvailable(deployment: V1Deployment): boolean {
  return (
    (deployment.status?.availableReplicas ?? 0) >= 1 &&
    (deployment.status?.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 1)
  );
}
