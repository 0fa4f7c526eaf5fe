import { ApplicationFailure, CancellationScope } from '@temporalio/workflow';
import type { DeploymentContext } from '../../contract/deploymentContext';
import type { OperationInput } from '../../contract/operation';
import { FailureType } from '../../domain/failures';
import { acts, fast, stops } from '../activities';
import { base, retire, servingAfter, startReplica, type ReadyRevision } from './steps';

/**
 * Replica count change without replacing anything that runs: new replicas of the serving
 * revision join the route once ready (all in one atomic swap); removed ones leave the route
 * first, then are drained and stopped. A failed scale-up leaves the route as it was and stops
 * what it started.
 */
export async function scalePhases(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  const slot = ctx.activeSlot;
  if (!slot || !ctx.servingVersion)
    throw ApplicationFailure.create({
      type: FailureType.IllegalTransition,
      message: 'nothing serves: nothing to scale',
      nonRetryable: true,
    });
  const serving = await acts.servingRevisions(base(op));
  const route = (upstreams: ReadyRevision[], step: string) =>
    acts.setUpstreams({ ...base(op), hostname: ctx.hostname, upstreams: upstreams.map((r) => ({ ...r, weight: 100 })), step });

  if (ctx.replicas > serving.length) {
    const added: ReadyRevision[] = [];
    try {
      const count = ctx.replicas - serving.length;
      added.push(...(await Promise.all(Array.from({ length: count }, (_, i) => startReplica(ctx, op, slot, i)))));
      await route([...serving, ...added], `scale-${ctx.replicas}`);
    } catch (err) {
      await CancellationScope.nonCancellable(async () => {
        await route(serving, 'scale-restore');
        await stops.stopRevisions({ ...base(op), keys: added.map((r) => r.key) });
      });
      throw err;
    }
  } else if (ctx.replicas < serving.length) {
    // The newest replicas leave; the ones that served longest stay.
    await route(serving.slice(0, ctx.replicas), `scale-${ctx.replicas}`);
    await retire(
      ctx,
      op,
      serving.slice(ctx.replicas).map((r) => r.key),
    );
  } else {
    await acts.note({
      operationId: op.operationId,
      phase: 'switchTraffic',
      step: 'scale-same',
      message: `already ${ctx.replicas} replicas`,
    });
  }
  await fast.completeOperation({ ...base(op), kind: ctx.effectiveKind, serving: servingAfter(ctx, slot), replicas: ctx.replicas });
}
