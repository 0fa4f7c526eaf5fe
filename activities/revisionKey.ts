import type { Slot } from '../domain/operations';

/** One name per (deployment, slot, release, config revision): the idempotency key of a start. */
export function revisionKey(deploymentId: string, slot: Slot, version: string, configRevision: number): string {
  const safeVersion = version.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${deploymentId}-${slot}-${safeVersion}-c${configRevision}`;
}
