import { ApplicationFailure, CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DeploymentContext } from '../activities/fetchDeployment';
import type { OperationInput } from '../domain/operations';
import { short } from './activityOptions';
import { failureDetails } from './failureDetails';

const { fetchDeployment, failOperation } = proxyActivities<Activities>(short);

/**
 * The frame every lifecycle workflow shares: claim the operation and check the
 * transition, run the phases, and on any failure record it (stopping what never took
 * traffic) in a scope that a cancellation cannot interrupt.
 */
export async function runOperation(input: OperationInput, phases: (ctx: DeploymentContext) => Promise<void>): Promise<void> {
  try {
    const ctx = await fetchDeployment({ ...input, runId: workflowInfo().runId });
    await phases(ctx);
  } catch (err) {
    const details = failureDetails(err);
    await CancellationScope.nonCancellable(() => failOperation({ ...input, ...details }));
    throw ApplicationFailure.create({ type: details.errorType, message: details.errorMessage, nonRetryable: true, cause: err instanceof Error ? err : undefined });
  }
}
