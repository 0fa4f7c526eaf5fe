import { getExternalWorkflowHandle } from '@temporalio/workflow';
import type { OperationInput } from '../contract/operation';
import { failureDetails } from './failureDetails';
import { phasesFor } from './lifecyclePhases';
import { itemDoneSignal, type ItemOutcome } from './massUpgradeSignals';
import { runOperation } from './runOperation';

export interface ItemLink {
  /** Signalled by workflow id, so the outcome reaches the rollout's latest run across continue-as-new. */
  parentWorkflowId: string;
  massUpgradeId: string;
}

/**
 * One deployment's part of a fleet rollout. Runs under the deployment's own workflow id
 * (`deployment-<id>`) with the same phases as a tenant's upgrade, so Temporal keeps it from
 * racing any other operation on that deployment; then reports to the rollout.
 */
export async function massUpgradeItemWorkflow(input: OperationInput, link: ItemLink): Promise<void> {
  const report = async (outcome: ItemOutcome) => {
    try {
      await getExternalWorkflowHandle(link.parentWorkflowId).signal(itemDoneSignal, outcome);
    } catch {
      // The rollout is gone (terminated by hand): the operation row still tells the truth.
    }
  };
  try {
    await runOperation(input, (ctx) => phasesFor(ctx, input));
  } catch (err) {
    const d = failureDetails(err);
    await report({
      deploymentId: input.deploymentId,
      operationId: input.operationId,
      status: 'failed',
      errorType: d.errorType,
      message: d.errorMessage,
    });
    throw err;
  }
  await report({ deploymentId: input.deploymentId, operationId: input.operationId, status: 'succeeded' });
}
