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
    ['scale running', facts('running'), 'scale', 'scaling'],
    ['scale failed', facts('failed'), 'scale', /cannot scale a deployment that is failed/],
    ['scale suspended', facts('suspended'), 'scale', /cannot scale a deployment that is suspended/],
    ['cleanup running', facts('running'), 'cleanup', 'cleaning_up'],
    ['cleanup failed with the old version serving', facts('failed'), 'cleanup', 'cleaning_up'],
    ['cleanup with nothing serving', facts('failed', null), 'cleanup', /nothing is serving yet/],
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
    ['scale', 'succeed', 'running'],
    ['scale', 'fail', 'failed'],
    ['cleanup', 'succeed', 'running'],
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
    ['awaiting_promotion', true],
  ])('%s → %s', (status, expected) => {
    expect(isInProgressStatus(status)).toBe(expected);
  });
});

describe('transition: manual promotion', () => {
  const cases: [string, DeploymentFacts, 'await_promotion' | 'promote' | 'abandon', OperationKind, DeploymentStatus | RegExp][] = [
    ['an upgrade awaits promotion', facts('upgrading'), 'await_promotion', 'upgrade', 'awaiting_promotion'],
    ['a retry awaits promotion from its own status', facts('deploying'), 'await_promotion', 'retry', 'awaiting_promotion'],
    ['not from another status', facts('running'), 'await_promotion', 'upgrade', /cannot await promotion of a deployment that is running/],
    ['promote goes back to the switch', facts('awaiting_promotion'), 'promote', 'upgrade', 'upgrading'],
    ['promote a retry', facts('awaiting_promotion'), 'promote', 'retry', 'deploying'],
    ['promote when not awaiting', facts('upgrading'), 'promote', 'upgrade', /not awaiting promotion/],
    ['an abandoned preview with the old version serving', facts('awaiting_promotion'), 'abandon', 'upgrade', 'running'],
    ['an abandoned preview with nothing serving', facts('awaiting_promotion', null), 'abandon', 'upgrade', 'failed'],
  ];
  it.each(cases)('%s', (_name, d, type, kind, expected) => {
    const r = transition(d, { type, kind });
    if (typeof expected === 'string') expect(r).toEqual({ ok: true, status: expected });
    else {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(expected);
    }
  });

  it.each<[OperationKind, DeploymentStatus | RegExp]>([
    ['upgrade', /cannot upgrade a deployment that is awaiting_promotion/],
    ['restart', /cannot restart a deployment that is awaiting_promotion/],
    ['rollback', /cannot rollback a deployment that is awaiting_promotion/],
    ['teardown', 'destroying'],
    ['retry', 'deploying'],
  ])('starting %s while awaiting promotion', (kind, expected) => {
    const r = transition(facts('awaiting_promotion', '1.0.0', '0.9.0'), { type: 'start', kind });
    if (typeof expected === 'string') expect(r).toEqual({ ok: true, status: expected });
    else expect(r.ok || r.reason).toMatch(expected);
  });
});
