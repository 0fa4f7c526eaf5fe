import { ApplicationFailure, CancellationScope, workflowInfo } from '@temporalio/workflow';
import type { DeploymentContext } from '../contract/deploymentContext';
import type { OperationInput } from '../contract/operation';
import { FailureType } from '../domain/failures';
import { acts, fast } from './activities';
import { failureDetails } from './failureDetails';
import { scheduleRetirement } from './retire';

/**
 * The frame every lifecycle workflow shares: claim the operation (checking the
 * transition again), load what it works on, run the phases, and on any failure record it (stopping what never took
 * traffic) in a scope that a cancellation cannot interrupt.
 */
export async function runOperation(input: OperationInput, phases: (ctx: DeploymentContext) => Promise<void>): Promise<void> {
  let ctx: DeploymentContext | undefined;
  try {
    await fast.claimOperation({ ...input, runId: workflowInfo().runId });
    ctx = await fast.loadDeploymentContext(input);
    await phases(ctx);
  } catch (err) {
    const details = failureDetails(err);
    const kind = ctx?.effectiveKind ?? input.kind;
    await CancellationScope.nonCancellable(async () => {
      const abandoned = details.errorType === FailureType.PreviewAborted;
      const { warmKeys } = await acts.failOperation({ ...input, kind, ...details, abandoned });
      if (ctx) await scheduleRetirement(warmKeys, input.operationId, ctx.rollbackWindowSeconds);
    });
    throw ApplicationFailure.create({
      type: details.errorType,
      message: details.errorMessage,
      nonRetryable: true,
      cause: err instanceof Error ? err : undefined,
    });
  }
}
