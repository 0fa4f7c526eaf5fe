import type { DeploymentContext } from '../../contract/deploymentContext';
import type { OperationInput } from '../../contract/operation';
import type { Slot } from '../../domain/operations';
import { acts, fast, stops, waits } from '../activities';
import { scheduleRetirement } from '../retire';

/**
 * The steps every strategy is built from. A deploy reads like kamal-proxy's:
 * start → ready (deadline) → switch → drain (deadline) → record.
 */

export interface ReadyRevision {
  key: string;
  url: string;
}

export const base = (op: OperationInput) => ({ operationId: op.operationId, deploymentId: op.deploymentId });

/** What the deployment serves once the target revision has taken all traffic in `slot`. */
export const servingAfter = (ctx: DeploymentContext, slot: Slot) => ({
  version: ctx.targetVersion,
  slot,
  configRevision: ctx.configRevision,
});

/** Env resolved (secrets generated once) and the current state recorded, before anything starts. */
export async function prepare(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  await acts.resolveEnv({ ...base(op), version: ctx.targetVersion });
  await acts.snapshotCurrent(base(op));
}

export async function startReplica(ctx: DeploymentContext, op: OperationInput, slot: Slot, replica: number): Promise<ReadyRevision> {
  // waits: a start may pull an image or wait on the readiness of what a service depends on; it heartbeats.
  const rev = await waits.startRevision({
    ...base(op),
    version: ctx.targetVersion,
    configRevision: ctx.configRevision,
    slot,
    owner: ctx.revisionOwner,
    replica,
  });
  await waits.awaitReady({
    ...base(op),
    key: rev.key,
    url: rev.url,
    readinessPath: ctx.readinessPath,
    timeoutSeconds: ctx.readinessTimeoutSeconds,
  });
  return { key: rev.key, url: rev.url };
}

/** Every replica of the target revision, started side by side, all ready. */
export function startAll(ctx: DeploymentContext, op: OperationInput, slot: Slot): Promise<ReadyRevision[]> {
  return Promise.all(Array.from({ length: ctx.replicas }, (_, i) => startReplica(ctx, op, slot, i)));
}

/** Switch, drain what served before (it stays warm), start its rollback window, record. */
export async function cutOver(
  ctx: DeploymentContext,
  op: OperationInput,
  revs: ReadyRevision[],
  serving: { version: string; slot: Slot; configRevision: number },
): Promise<void> {
  const { previousKeys, supersededKeys } = await fast.switchTraffic({ ...base(op), hostname: ctx.hostname, revisions: revs });
  await waits.drainPrevious({ ...base(op), keys: previousKeys, timeoutSeconds: ctx.drainTimeoutSeconds });
  if (supersededKeys.length > 0) await stops.stopRevisions({ ...base(op), keys: supersededKeys, onlyWarm: true });
  await scheduleRetirement(previousKeys, op.operationId, ctx.rollbackWindowSeconds);
  // Last: once the operation reads as finished, the workflow ends at once and the
  // deployment is free for the next operation.
  await fast.completeOperation({ ...base(op), kind: ctx.effectiveKind, serving });
}

/** Revisions that already left the route: drained, then stopped for good (not kept warm). */
export async function retire(ctx: DeploymentContext, op: OperationInput, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await waits.drainPrevious({ ...base(op), keys, timeoutSeconds: ctx.drainTimeoutSeconds });
  await stops.stopRevisions({ ...base(op), keys });
}

/** Compensation: stopped revisions started again, each on its own so one failure does not stop the rest. */
export async function revive(op: OperationInput, keys: string[]): Promise<void> {
  for (const key of keys) {
    try {
      await stops.reviveRevision({ operationId: op.operationId, key });
    } catch {
      // The original failure is what the operator needs to see; the failed revive is in the log.
    }
  }
}
