import { CancellationScope } from '@temporalio/workflow';
import type { DeploymentContext } from '../contract/deploymentContext';
import type { OperationInput } from '../contract/operation';
import { otherSlot, type Slot } from '../domain/operations';
import { rollingRoute } from '../domain/strategy';
import { acts, fast, stops, waits } from './activities';
import { canary } from './canary';
import { scheduleRetirement } from './retire';

/** Reads like kamal-proxy's deploy: start → ready (deadline) → switch → drain (deadline) → record. */

export interface ReadyRevision {
  key: string;
  url: string;
}

export const base = (op: OperationInput) => ({ operationId: op.operationId, deploymentId: op.deploymentId });

export async function startReplica(ctx: DeploymentContext, op: OperationInput, slot: Slot, replica: number): Promise<ReadyRevision> {
  const rev = await acts.startRevision({
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

async function prepare(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  await acts.resolveEnv({ ...base(op), version: ctx.targetVersion });
  await acts.snapshotCurrent(base(op));
}

const servingAfter = (ctx: DeploymentContext, slot: Slot) => ({ version: ctx.targetVersion, slot, configRevision: ctx.configRevision });

/** Zero downtime: the new revision runs beside the old one until it is ready. */
export async function blueGreen(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  await prepare(ctx, op);
  const slot = otherSlot(ctx.activeSlot);
  await cutOver(ctx, op, await startAll(ctx, op, slot), servingAfter(ctx, slot));
}

/**
 * Stop first, then start: for apps that cannot run two copies at once. Users see a 503
 * with Retry-After during the gap. If the new revision fails, the old one is started
 * again (a compensation that a cancellation cannot interrupt).
 */
export async function recreate(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  await prepare(ctx, op);
  const { previousKeys } = await acts.suspendRoute({
    ...base(op),
    hostname: ctx.hostname,
    reason: 'a new version is being deployed',
    retryAfterSeconds: 5,
  });
  await waits.drainPrevious({ ...base(op), keys: previousKeys, timeoutSeconds: ctx.drainTimeoutSeconds });
  await stops.stopRevisions({ ...base(op), keys: 'all' });
  const slot = otherSlot(ctx.activeSlot);
  let revs: ReadyRevision[];
  try {
    revs = await startAll(ctx, op, slot);
  } catch (err) {
    await CancellationScope.nonCancellable(() => reviveAll(op, previousKeys));
    throw err;
  }
  await cutOver(ctx, op, revs, servingAfter(ctx, slot));
}

async function reviveAll(op: OperationInput, keys: string[]): Promise<void> {
  for (const key of keys) {
    try {
      await stops.reviveRevision({ operationId: op.operationId, key });
    } catch {
      // The original failure is what the operator needs to see; the failed revive is in the log.
    }
  }
}

/**
 * Max surge 1, max unavailable 0: each new replica must be ready before one old replica
 * leaves the route (in the same atomic swap) and is drained and stopped. A failure
 * midway restores the old replicas and removes the new ones, so the deployment never
 * stays on two versions.
 */
export async function rolling(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  await prepare(ctx, op);
  const slot = otherSlot(ctx.activeSlot);
  const old = await acts.servingRevisions(base(op));
  const ready: ReadyRevision[] = [];
  const stopped: string[] = [];
  try {
    for (let i = 0; i < ctx.replicas; i++) {
      ready.push(await startReplica(ctx, op, slot, i));
      const { route, leaving } = rollingRoute(ready, old);
      await acts.setUpstreams({
        ...base(op),
        hostname: ctx.hostname,
        upstreams: route.map((r) => ({ ...r, weight: 100 })),
        step: `replica-${i}`,
      });
      await retire(
        ctx,
        op,
        leaving.map((r) => r.key),
        stopped,
      );
    }
    await retire(
      ctx,
      op,
      old.slice(ctx.replicas).map((r) => r.key),
      stopped,
    );
  } catch (err) {
    await CancellationScope.nonCancellable(async () => {
      await reviveAll(op, stopped);
      const back = (await acts.servingRevisions(base(op))).filter((r) => old.some((o) => o.key === r.key));
      if (back.length > 0)
        await acts.setUpstreams({
          ...base(op),
          hostname: ctx.hostname,
          upstreams: back.map((r) => ({ ...r, weight: 100 })),
          step: 'restore',
        });
      await stops.stopRevisions({ ...base(op), keys: ready.map((r) => r.key) });
    });
    throw err;
  }
  await acts.completeOperation({ ...base(op), kind: ctx.effectiveKind, serving: servingAfter(ctx, slot) });
}

async function retire(ctx: DeploymentContext, op: OperationInput, keys: string[], stopped: string[]): Promise<void> {
  if (keys.length === 0) return;
  await waits.drainPrevious({ ...base(op), keys, timeoutSeconds: ctx.drainTimeoutSeconds });
  await stops.stopRevisions({ ...base(op), keys });
  stopped.push(...keys);
}

export function rollout(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  switch (ctx.strategy) {
    case 'recreate':
      return recreate(ctx, op);
    case 'rolling':
      return rolling(ctx, op);
    case 'canary':
      return ctx.servingVersion ? canary(ctx, op) : blueGreen(ctx, op);
    default:
      return blueGreen(ctx, op);
  }
}
