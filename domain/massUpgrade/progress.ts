/** What a fleet rollout reports: by the progress query, in mass_upgrades.progress and by the API. */

/** halting: over budget, waiting for running upgrades (and rollbacks) to end; halted once they have. */
export const MASS_UPGRADE_STATUSES = ['running', 'paused', 'baking', 'halting', 'halted', 'cancelling', 'cancelled', 'completed'] as const;
export type MassUpgradeStatus = (typeof MASS_UPGRADE_STATUSES)[number];
export const FINISHED_STATUSES: ReadonlySet<string> = new Set<MassUpgradeStatus>(['halted', 'cancelled', 'completed']);
/** Rollouts that still act on their app: a second one for the same app is refused. */
export const ACTIVE_STATUSES = MASS_UPGRADE_STATUSES.filter((s) => !FINISHED_STATUSES.has(s));

export interface ItemFailure {
  deploymentId: string;
  operationId: string;
  errorType: string;
  message: string;
}

export interface MassUpgradeCounts {
  /** Deployments in the plan. */
  total: number;
  /** Not started yet (including those waiting because they were busy). */
  pending: number;
  inFlight: number;
  succeeded: number;
  failed: number;
  /** Left out at start time: already on the target, suspended since planning, destroyed. */
  skipped: number;
  /** Found busy with another operation at least once (each is tried again later). */
  busyRetries: number;
  rolledBack: number;
}

export interface MassUpgradeProgress {
  id: string;
  status: MassUpgradeStatus;
  targetVersion: string;
  /** 1-based; 0 before the first wave starts. */
  currentWave: number;
  waves: number;
  waveSizes: number[];
  counts: MassUpgradeCounts;
  /** The newest failures (at most FAILURES_KEPT), with reasons; counts.failed has them all. */
  failures: ItemFailure[];
  inFlight: string[];
  haltReason: string | null;
  /** When baking: the workflow time the next wave may start. */
  nextWaveAt: string | null;
  updatedAt: string;
}

export const FAILURES_KEPT = 50;

/** "[#####-----] 52/100 upgraded, 1 failed, wave 3/4, 3 in flight": the CLI's live line. */
export function progressLine(p: MassUpgradeProgress, width = 20): string {
  const c = p.counts;
  const done = c.succeeded + c.failed + c.skipped;
  const filled = c.total === 0 ? width : Math.round((done / c.total) * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const parts = [`${c.succeeded}/${c.total} upgraded`, `${c.failed} failed`];
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  if (c.rolledBack) parts.push(`${c.rolledBack} rolled back`);
  parts.push(`wave ${p.currentWave}/${p.waves}`, `${c.inFlight} in flight`);
  const state = p.status === 'running' ? '' : ` (${p.status}${p.haltReason ? `: ${p.haltReason}` : ''})`;
  return `${bar} ${parts.join(', ')}${state}`;
}
