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
 * traffic) in a scope that a cancellation cannot interrupt. `open` replaces the claim and
 * load for a workflow that does both in one step.
 */
export async function runOperation(
  input: OperationInput,
  phases: (ctx: DeploymentContext) => Promise<void>,
  open: (runId: string) => Promise<DeploymentContext> = claimAndLoad(input),
): Promise<void> {
  let ctx: DeploymentContext | undefined;
  try {
    ctx = await open(workflowInfo().runId);
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

const claimAndLoad = (input: OperationInput) => async (runId: string) => {
  await fast.claimOperation({ ...input, runId });
  return fast.loadDeploymentContext(input);
};
