import { CancellationScope } from '@temporalio/workflow';
import type { DeploymentContext } from '../../contract/deploymentContext';
import type { OperationInput } from '../../contract/operation';
import { otherSlot } from '../../domain/operations';
import { acts, stops, waits } from '../activities';
import { base, cutOver, prepare, revive, servingAfter, startAll, type ReadyRevision } from './steps';

/** Users see this Retry-After on the 503 during the gap between the old revision and the new one. */
const RECREATE_RETRY_AFTER_SECONDS = 5;

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
    retryAfterSeconds: RECREATE_RETRY_AFTER_SECONDS,
  });
  await waits.drainPrevious({ ...base(op), keys: previousKeys, timeoutSeconds: ctx.drainTimeoutSeconds });
  await stops.stopRevisions({ ...base(op), keys: 'all' });
  const slot = otherSlot(ctx.activeSlot);
  let revs: ReadyRevision[];
  try {
    revs = await startAll(ctx, op, slot);
  } catch (err) {
    await CancellationScope.nonCancellable(() => revive(op, previousKeys));
    throw err;
  }
  await cutOver(ctx, op, revs, servingAfter(ctx, slot));
}
