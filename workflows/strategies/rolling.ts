import { CancellationScope } from '@temporalio/workflow';
import type { DeploymentContext } from '../../contract/deploymentContext';
import type { OperationInput } from '../../contract/operation';
import { otherSlot } from '../../domain/operations';
import { rollingRoute } from '../../domain/trafficShift';
import { acts, stops } from '../activities';
import { base, prepare, retire, revive, servingAfter, startReplica, type ReadyRevision } from './steps';

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
  const retireOld = async (keys: string[]) => {
    await retire(ctx, op, keys);
    stopped.push(...keys);
  };
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
      await retireOld(leaving.map((r) => r.key));
    }
    await retireOld(old.slice(ctx.replicas).map((r) => r.key));
  } catch (err) {
    await CancellationScope.nonCancellable(async () => {
      await revive(op, stopped);
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
