import { ApplicationFailure, CancellationScope, condition, setHandler } from '@temporalio/workflow';
import type { DeploymentContext } from '../../contract/deploymentContext';
import type { OperationInput } from '../../contract/operation';
import { FailureType } from '../../domain/failures';
import { otherSlot } from '../../domain/operations';
import type { PreviewOptions } from '../../domain/preview';
import { acts, stops, waits } from '../activities';
import { abortPreviewSignal, promotePreviewSignal } from '../previewSignals';
import { base, cutOver, prepare, servingAfter, startAll } from './steps';

type Decision = { promote: boolean; actor: string };

/**
 * Manual promotion: the new revision starts beside the old one and, once ready, is reachable
 * only at the preview host. The workflow then waits on a durable timer (hours or days; a
 * worker crash meanwhile loses nothing, the wait is in Temporal's history) for promote, an
 * instant blue-green switch, or abort. At the timeout it aborts. An abort leaves the old
 * revision serving and stops the preview.
 */
export async function previewThenSwitch(ctx: DeploymentContext, op: OperationInput, preview: PreviewOptions): Promise<void> {
  let decision: Decision | null = null;
  setHandler(promotePreviewSignal, ({ actor }) => void (decision ??= { promote: true, actor }));
  setHandler(abortPreviewSignal, ({ actor }) => void (decision ??= { promote: false, actor }));

  await prepare(ctx, op);
  const slot = otherSlot(ctx.activeSlot);
  const revs = await startAll(ctx, op, slot);
  let promotedBy: string;
  try {
    await acts.openPreview({ ...base(op), kind: op.kind, hostname: ctx.hostname, revisions: revs, timeoutSeconds: preview.timeoutSeconds });
    const decided = await condition(() => decision !== null, preview.timeoutSeconds * 1000);
    const d = decision as Decision | null;
    if (!decided || !d || !d.promote)
      throw ApplicationFailure.create({
        type: FailureType.PreviewAborted,
        message: d ? `preview aborted by ${d.actor}` : `preview not promoted within ${preview.timeoutSeconds} s: aborted`,
        nonRetryable: true,
      });
    promotedBy = d.actor;
    // Days may have passed (a machine restart, a crash of the app): the preview must still be
    // ready, or the switch would send every user to a dead process. A failure here leaves the
    // old revision serving.
    for (const rev of revs)
      await waits.awaitReady({
        ...base(op),
        key: rev.key,
        url: rev.url,
        readinessPath: ctx.readinessPath,
        timeoutSeconds: ctx.readinessTimeoutSeconds,
      });
  } catch (err) {
    await CancellationScope.nonCancellable(async () => {
      await acts.closePreview({ ...base(op), kind: op.kind, promotedBy: null });
      await stops.stopRevisions({ ...base(op), keys: revs.map((r) => r.key) });
    });
    throw err;
  }
  await acts.closePreview({ ...base(op), kind: op.kind, promotedBy });
  await cutOver(ctx, op, revs, servingAfter(ctx, slot));
}
