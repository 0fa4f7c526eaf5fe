import { isInProgressStatus, transition, transitionOf, type DeploymentFacts, type DeploymentStatus } from '../../domain/deploymentStatus';
import type { OperationKind } from '../../domain/operations';

const facts = (
  status: DeploymentStatus,
  servingVersion: string | null = '1.0.0',
  previousVersion: string | null = null,
): DeploymentFacts => ({ status, servingVersion, previousVersion });

describe('transition: starting an operation', () => {
  const cases: [string, DeploymentFacts, OperationKind, DeploymentStatus | RegExp][] = [
    ['first deploy', facts('pending', null), 'deploy', 'deploying'],
    ['deploy twice', facts('running'), 'deploy', /cannot deploy a deployment that is running/],
    ['upgrade running', facts('running'), 'upgrade', 'upgrading'],
    ['upgrade failed', facts('failed'), 'upgrade', 'upgrading'],
    ['upgrade suspended (resumes first)', facts('suspended'), 'upgrade', 'upgrading'],
    ['upgrade pending', facts('pending', null), 'upgrade', /cannot upgrade a deployment that is pending/],
    ['retry failed', facts('failed', null), 'retry', 'deploying'],
    ['retry running', facts('running'), 'retry', /cannot retry a deployment that is running/],
    ['retry a stuck in-progress deployment', facts('upgrading'), 'retry', 'deploying'],
    ['rollback with a previous version', facts('running', '2.0.0', '1.0.0'), 'rollback', 'rolling_back'],
    ['rollback without a previous version', facts('running', '1.0.0', null), 'rollback', /no previous version/],
    ['restart running', facts('running'), 'restart', 'restarting'],
    ['restart with nothing serving', facts('failed', null), 'restart', /nothing is serving yet/],
    ['suspend running', facts('running'), 'suspend', 'suspending'],
    ['suspend suspended', facts('suspended'), 'suspend', /cannot suspend a deployment that is suspended/],
    ['resume suspended', facts('suspended'), 'resume', 'resuming'],
    ['resume running', facts('running'), 'resume', /cannot resume a deployment that is running/],
    ['teardown running', facts('running'), 'teardown', 'destroying'],
    ['teardown failed', facts('failed', null), 'teardown', 'destroying'],
    ['teardown destroyed', facts('destroyed', null), 'teardown', /destroyed/],
    ['anything on destroyed', facts('destroyed', null), 'upgrade', /destroyed/],
  ];
  it.each(cases)('%s', (_name, d, kind, expected) => {
    const r = transition(d, { type: 'start', kind });
    if (typeof expected === 'string') expect(r).toEqual({ ok: true, status: expected });
    else {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(expected);
    }
  });
});

describe('transition: finishing an operation', () => {
  const cases: [OperationKind, 'succeed' | 'fail', DeploymentStatus][] = [
    ['deploy', 'succeed', 'running'],
    ['deploy', 'fail', 'failed'],
    ['upgrade', 'fail', 'failed'],
    ['suspend', 'succeed', 'suspended'],
    ['suspend', 'fail', 'running'],
    ['resume', 'succeed', 'running'],
    ['teardown', 'succeed', 'destroyed'],
    ['teardown', 'fail', 'failed'],
  ];
  it.each(cases)('%s %s → %s', (kind, type, status) => {
    expect(transition(facts('running'), { type, kind })).toEqual({ ok: true, status });
  });
});

describe('transitionOf: a stored row reads as the same facts', () => {
  const cases: [DeploymentStatus, string | null, string | null, OperationKind][] = [
    ['running', '1.0.0', null, 'rollback'],
    ['running', '2.0.0', '1.0.0', 'rollback'],
    ['failed', null, null, 'restart'],
    ['suspended', null, null, 'resume'],
    ['destroyed', null, null, 'teardown'],
  ];
  it.each(cases)('%s serving %s previous %s, %s', (status, serving, previous, kind) => {
    const event = { type: 'start' as const, kind };
    expect(transitionOf({ status, serving_version: serving, previous_version: previous }, event)).toEqual(
      transition(facts(status, serving, previous), event),
    );
  });
});

describe('isInProgressStatus', () => {
  it.each<[DeploymentStatus, boolean]>([
    ['deploying', true],
    ['upgrading', true],
    ['destroying', true],
    ['running', false],
    ['failed', false],
    ['suspended', false],
    ['pending', false],
  ])('%s → %s', (status, expected) => {
    expect(isInProgressStatus(status)).toBe(expected);
  });
});
