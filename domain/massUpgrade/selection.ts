import type { DeploymentStatus } from '../deploymentStatus';

/** The facts about a deployment that decide whether a fleet rollout takes it. */
export interface CandidateFacts {
  id: string;
  tenantId: string;
  status: DeploymentStatus;
  releaseVersion: string;
  servingVersion: string | null;
}

export interface SelectionRules {
  targetVersion: string;
  tenants?: readonly string[];
  fromVersions?: readonly string[];
  suspended: 'skip' | 'resume';
}

/** Never deployed, or gone: nothing to upgrade. */
const NEVER: ReadonlySet<DeploymentStatus> = new Set(['pending', 'destroying', 'destroyed']);

/** The version a deployment is on: what serves, else what it was pinned to (suspended, failed first deploy). */
export const currentVersion = (d: CandidateFacts): string => d.servingVersion ?? d.releaseVersion;

/**
 * Why a deployment is left out, or null when the rollout takes it. A deployment busy with
 * another operation (status upgrading, restarting…) is taken: the rollout waits for it.
 */
export function exclusionReason(d: CandidateFacts, rules: SelectionRules): string | null {
  if (NEVER.has(d.status)) return `status ${d.status}`;
  if (d.status === 'suspended' && rules.suspended === 'skip') return 'suspended';
  if (currentVersion(d) === rules.targetVersion) return 'already on the target';
  if (rules.tenants && !rules.tenants.includes(d.tenantId)) return 'tenant not selected';
  if (rules.fromVersions && !rules.fromVersions.includes(currentVersion(d)))
    return `on ${currentVersion(d)}, not a selected source version`;
  return null;
}

/** Sorted ids of the deployments a rollout takes: the order waves are cut in. */
export function selectCandidates(all: readonly CandidateFacts[], rules: SelectionRules): string[] {
  return all
    .filter((d) => exclusionReason(d, rules) === null)
    .map((d) => d.id)
    .sort();
}

/** Backoff before trying a busy deployment again: base, doubling per attempt, capped at 10× base. */
export function busyBackoffMs(baseSeconds: number, busyAttempts: number): number {
  return Math.min(baseSeconds * 10, baseSeconds * 2 ** Math.max(0, busyAttempts - 1)) * 1000;
}
