import type { Slot } from '../domain/operations';

/**
 * One name per (deployment, slot, release, config revision, owning operation): the
 * idempotency key of a start. The owner is the operation that first started it (a retry
 * reuses its original operation's keys, so it adopts what that one already started).
 */
export function revisionKey(deploymentId: string, slot: Slot, version: string, configRevision: number, owner: string, replica = 0): string {
  const safeVersion = version.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${deploymentId}-${slot}-${safeVersion}-c${configRevision}-${owner}-r${replica}`;
}

/**
 * The process key of one service of a revision. The web service keeps the revision key itself,
 * so single-service releases run exactly the processes they always did; every other service
 * hangs off it, and a stop of the revision finds them by that prefix.
 */
export function serviceKey(revision: string, service: string, web: boolean): string {
  return web ? revision : `${revision}--${service}`;
}

export function isServiceOf(revision: string, processKey: string): boolean {
  return processKey === revision || processKey.startsWith(`${revision}--`);
}
