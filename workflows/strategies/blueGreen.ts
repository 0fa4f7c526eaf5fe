import type { DeploymentContext } from '../../contract/deploymentContext';
import type { OperationInput } from '../../contract/operation';
import { otherSlot } from '../../domain/operations';
import { cutOver, prepare, servingAfter, startAll } from './steps';

/** Zero downtime: the new revision runs beside the old one until it is ready. */
export async function blueGreen(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  await prepare(ctx, op);
  const slot = otherSlot(ctx.activeSlot);
  await cutOver(ctx, op, await startAll(ctx, op, slot), servingAfter(ctx, slot));
}
