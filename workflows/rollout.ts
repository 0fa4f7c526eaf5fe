import { CancellationScope } from '@temporalio/workflow';
import type { DeploymentContext } from '../activities/fetchDeployment';
import { otherSlot, type OperationInput, type Slot } from '../domain/operations';
import { acts, stops, waits } from './activities';
import { scheduleRetirement } from './retire';

/** Reads like kamal-proxy's deploy: start → ready (deadline) → switch → drain (deadline) → record. */

export interface ReadyRevision {
  key: string;
  url: string;
}

const base = (op: OperationInput) => ({ operationId: op.operationId, deploymentId: op.deploymentId });

export async function startAndAwait(ctx: DeploymentContext, op: OperationInput, slot: Slot): Promise<ReadyRevision> {
  const rev = await acts.startRevision({ ...base(op), version: ctx.targetVersion, configRevision: ctx.configRevision, slot, owner: ctx.revisionOwner });
  await waits.awaitReady({ ...base(op), key: rev.key, url: rev.url, readinessPath: ctx.readinessPath, timeoutSeconds: ctx.readinessTimeoutSeconds });
  return rev;
}

/** Switch, drain what served before (it stays warm), record, and start its rollback window. */
export async function cutOver(ctx: DeploymentContext, op: OperationInput, rev: ReadyRevision, serving: { version: string; slot: Slot; configRevision: number }): Promise<void> {
  const { previousKeys, supersededKeys } = await acts.switchTraffic({ ...base(op), hostname: ctx.hostname, key: rev.key, url: rev.url });
  await waits.drainPrevious({ ...base(op), keys: previousKeys, timeoutSeconds: ctx.drainTimeoutSeconds });
  await stops.stopRevisions({ ...base(op), keys: supersededKeys, onlyWarm: true });
  await scheduleRetirement(previousKeys, op.operationId, ctx.rollbackWindowSeconds);
  // Last: once the operation reads as finished, the workflow ends at once and the
  // deployment is free for the next operation.
  await acts.completeOperation({ ...base(op), kind: ctx.effectiveKind, serving });
}

/** Zero downtime: the new revision runs beside the old one until it is ready. */
export async function blueGreen(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  await acts.resolveEnv({ ...base(op), version: ctx.targetVersion });
  await acts.snapshotCurrent(base(op));
  const slot = otherSlot(ctx.activeSlot);
  const rev = await startAndAwait(ctx, op, slot);
  await cutOver(ctx, op, rev, { version: ctx.targetVersion, slot, configRevision: ctx.configRevision });
}

/**
 * Stop first, then start: for apps that cannot run two copies at once. Users see a 503
 * with Retry-After during the gap. If the new revision fails, the old one is started
 * again (a compensation that a cancellation cannot interrupt).
 */
export async function recreate(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  await acts.resolveEnv({ ...base(op), version: ctx.targetVersion });
  await acts.snapshotCurrent(base(op));
  const { previousKeys } = await acts.suspendRoute({ ...base(op), hostname: ctx.hostname, reason: 'a new version is being deployed', retryAfterSeconds: 5 });
  await waits.drainPrevious({ ...base(op), keys: previousKeys, timeoutSeconds: ctx.drainTimeoutSeconds });
  await stops.stopRevisions({ ...base(op), keys: 'all' });
  const slot = otherSlot(ctx.activeSlot);
  let rev: ReadyRevision;
  try {
    rev = await startAndAwait(ctx, op, slot);
  } catch (err) {
    await CancellationScope.nonCancellable(async () => {
      for (const key of previousKeys) {
        try {
          await stops.reviveRevision({ operationId: op.operationId, key });
        } catch {
          // The original failure is what the operator needs to see; the failed revive is in the log.
        }
      }
    });
    throw err;
  }
  await cutOver(ctx, op, rev, { version: ctx.targetVersion, slot, configRevision: ctx.configRevision });
}

export function rollout(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  return ctx.strategy === 'recreate' ? recreate(ctx, op) : blueGreen(ctx, op);
}
