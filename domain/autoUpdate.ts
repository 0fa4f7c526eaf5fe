/** Vendo's update watcher: upgrade when behind, at most so many times a week, never while paused. */
export const DEFAULT_AUTO_UPDATE_MAX_PER_WEEK = 5;
export const WEEK_MS = 7 * 24 * 3600 * 1000;

export interface AutoUpdateCandidate {
  enabled: boolean;
  pausedAt: Date | null;
  releaseVersion: string;
  /** Whether an upgrade may start from the deployment's status now (deploymentStatus.ts decides). */
  canUpgrade: boolean;
  maxPerWeek: number;
  /** Auto-updates started in the last seven days. */
  updatesThisWeek: number;
}

export type AutoUpdateDecision = { upgradeTo: string } | { skip: string };

export function autoUpdateDecision(c: AutoUpdateCandidate, newestActive: string | null): AutoUpdateDecision {
  if (!c.enabled) return { skip: 'auto-update is off' };
  if (c.pausedAt) return { skip: `auto-update paused since ${c.pausedAt.toISOString()}` };
  if (!newestActive || newestActive === c.releaseVersion) return { skip: 'already on the newest active release' };
  if (!c.canUpgrade) return { skip: 'its status does not allow an upgrade now' };
  if (c.updatesThisWeek >= c.maxPerWeek) return { skip: `weekly cap of ${c.maxPerWeek} auto-updates reached` };
  return { upgradeTo: newestActive };
}
