/** Vocabulary of operations, shared by the API, activities and workflows. */

export const OPERATION_KINDS = [
  'deploy',
  'upgrade',
  'retry',
  'rollback',
  'restart',
  'suspend',
  'resume',
  'teardown',
  /** Add or remove replicas of the serving revision; the running ones stay. */
  'scale',
  /** End the rollback window now: warm revisions stop. */
  'cleanup',
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const OPERATION_TRIGGERS = [
  'api',
  'dashboard',
  'admin',
  'mass_upgrade',
  'auto_rollback',
  'env_change',
  'webhook',
  'auto_update',
] as const;
export type OperationTrigger = (typeof OPERATION_TRIGGERS)[number];

export const OPERATION_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/** Statuses an operation never leaves; the one list every caller reads. */
export const TERMINAL_OPERATION_STATUSES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly OperationStatus[];
export type TerminalOperationStatus = (typeof TERMINAL_OPERATION_STATUSES)[number];

export function isTerminalOperationStatus(status: string): status is TerminalOperationStatus {
  return (TERMINAL_OPERATION_STATUSES as readonly string[]).includes(status);
}

export const STRATEGIES = ['recreate', 'rolling', 'blue_green', 'canary'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export type Slot = 'blue' | 'green';

export function otherSlot(slot: Slot | null): Slot {
  return slot === 'blue' ? 'green' : 'blue';
}

/** One workflow id per deployment: Temporal then allows at most one running operation on it. */
export function deploymentWorkflowId(deploymentId: string): string {
  return `deployment-${deploymentId}`;
}

/** Progress (percent) reached when each phase finishes; shown on the deployment row. */
export const PHASE_PROGRESS = {
  fetchDeployment: 5,
  resolveEnv: 15,
  snapshotCurrent: 20,
  /** Only with a manifest release step: it runs once before any revision starts. */
  release: 25,
  startRevision: 35,
  awaitReady: 70,
  /** Manual promotion only: the preview waits here for promote or abort. */
  awaitPromotion: 75,
  switchTraffic: 85,
  drainPrevious: 95,
  finalize: 100,
} as const;
export type Phase = keyof typeof PHASE_PROGRESS;
