import type { OperationKind } from './operations';

/** Every status a deployment row can hold. */
export const DEPLOYMENT_STATUSES = [
  'pending',
  'deploying',
  'running',
  'upgrading',
  'rolling_back',
  'restarting',
  'suspending',
  'suspended',
  'resuming',
  /** A manual-promotion upgrade's new revision is up at its preview host; the operation waits for promote or abort. */
  'awaiting_promotion',
  'scaling',
  'cleaning_up',
  'failed',
  'destroying',
  'destroyed',
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** What a deployment shows while an operation of each kind runs. */
const IN_PROGRESS: Record<OperationKind, DeploymentStatus> = {
  deploy: 'deploying',
  upgrade: 'upgrading',
  retry: 'deploying',
  rollback: 'rolling_back',
  restart: 'restarting',
  suspend: 'suspending',
  resume: 'resuming',
  teardown: 'destroying',
  scale: 'scaling',
  cleanup: 'cleaning_up',
};

// Awaiting promotion is mid-operation too: the workflow runs (waiting), so retry and teardown
// may still reach a deployment whose workflow was terminated there by hand.
const IN_PROGRESS_STATUSES = new Set<DeploymentStatus>([...Object.values(IN_PROGRESS), 'awaiting_promotion']);

/** Whether an operation was running when the deployment was in this status. */
export function isInProgressStatus(status: DeploymentStatus): boolean {
  return IN_PROGRESS_STATUSES.has(status);
}

/** What it shows when the operation succeeds. */
const ON_SUCCESS: Record<OperationKind, DeploymentStatus> = {
  deploy: 'running',
  upgrade: 'running',
  retry: 'running',
  rollback: 'running',
  restart: 'running',
  suspend: 'suspended',
  resume: 'running',
  teardown: 'destroyed',
  scale: 'running',
  cleanup: 'running',
};

/** Which statuses an operation of each kind may start from. */
const STARTS_FROM: Record<OperationKind, readonly DeploymentStatus[]> = {
  deploy: ['pending'],
  upgrade: ['running', 'failed', 'suspended'],
  retry: ['failed'],
  rollback: ['running', 'failed'],
  restart: ['running', 'failed'],
  suspend: ['running'],
  resume: ['suspended'],
  teardown: DEPLOYMENT_STATUSES.filter((s) => s !== 'destroyed'),
  scale: ['running'],
  cleanup: ['running', 'failed'],
};

export interface DeploymentFacts {
  status: DeploymentStatus;
  servingVersion: string | null;
  previousVersion: string | null;
}

export type TransitionEvent =
  | { type: 'start'; kind: OperationKind }
  | { type: 'succeed'; kind: OperationKind }
  | { type: 'fail'; kind: OperationKind }
  /** The new revision is ready at its preview host; the operation now waits for a person. */
  | { type: 'await_promotion'; kind: OperationKind }
  /** Promoted: the operation goes on to the switch. */
  | { type: 'promote'; kind: OperationKind }
  /** Ended on purpose before the switch (a preview aborted or timed out): nothing changed. */
  | { type: 'abandon'; kind: OperationKind };

export type TransitionResult = { ok: true; status: DeploymentStatus } | { ok: false; reason: string };

/**
 * The one place that decides deployment statuses. Every caller (API pre-checks,
 * activities) goes through it.
 *
 * A deployment stuck in an in-progress status (its workflow was terminated by hand)
 * may still be retried or torn down: Temporal already guarantees that no other
 * operation runs on it, so the status alone must not lock it forever.
 */
export function transition(d: DeploymentFacts, event: TransitionEvent): TransitionResult {
  const { kind } = event;
  if (event.type === 'succeed') return { ok: true, status: ON_SUCCESS[kind] };
  if (event.type === 'await_promotion') {
    if (d.status !== IN_PROGRESS[kind]) return { ok: false, reason: `cannot await promotion of a deployment that is ${d.status}` };
    return { ok: true, status: 'awaiting_promotion' };
  }
  if (event.type === 'promote') {
    if (d.status !== 'awaiting_promotion') return { ok: false, reason: `deployment is ${d.status}, not awaiting promotion` };
    return { ok: true, status: IN_PROGRESS[kind] };
  }
  // What served before still serves, so the deployment reads as it did before the operation.
  if (event.type === 'abandon') return { ok: true, status: d.servingVersion ? 'running' : 'failed' };
  if (event.type === 'fail') {
    // A failed suspend still serves; a failed teardown must be retried until it is gone.
    if (kind === 'suspend') return { ok: true, status: 'running' };
    return { ok: true, status: 'failed' };
  }
  if (d.status === 'destroyed') return { ok: false, reason: 'the deployment is destroyed; create a new one' };
  const allowed = STARTS_FROM[kind].includes(d.status) || ((kind === 'retry' || kind === 'teardown') && IN_PROGRESS_STATUSES.has(d.status));
  if (!allowed) return { ok: false, reason: `cannot ${kind} a deployment that is ${d.status}` };
  if (kind === 'rollback' && !d.previousVersion) return { ok: false, reason: 'there is no previous version to roll back to' };
  if ((kind === 'restart' || kind === 'rollback' || kind === 'cleanup') && !d.servingVersion) {
    return { ok: false, reason: `cannot ${kind}: nothing is serving yet; retry the failed deploy instead` };
  }
  return { ok: true, status: IN_PROGRESS[kind] };
}

/** The columns of a stored deployment that decide its transitions. */
export interface DeploymentRowFacts {
  status: DeploymentStatus;
  serving_version: string | null;
  previous_version: string | null;
}

/** transition() for a deployment as stored: the one adapter from column names to facts. */
export function transitionOf(row: DeploymentRowFacts, event: TransitionEvent): TransitionResult {
  return transition({ status: row.status, servingVersion: row.serving_version, previousVersion: row.previous_version }, event);
}
