import { ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import type { AutoUpdatePlan } from '../activities/autoUpdate';
import { deploymentWorkflowId } from '../domain/operations';
import { acts } from './activities';
import { isAlreadyStarted } from './massUpgradeChildren';
import { upgradeWorkflow } from './operations';

export interface AutoUpdateOutcome extends AutoUpdatePlan {
  /** Deployments whose own operation was in flight: their upgrade waits for the next pass. */
  busy: string[];
}

/**
 * What the auto-update Schedule runs: one pass of the update watcher. Each upgrade runs
 * under the deployment's own workflow id (so it never races a tenant's operation) and is
 * abandoned when this pass ends; a failure pauses that deployment's auto-update in
 * failOperation, where every failure is recorded.
 */
export async function autoUpdateWorkflow(): Promise<AutoUpdateOutcome> {
  const plan = await acts.prepareAutoUpdates({ runKey: workflowInfo().runId });
  const busy: string[] = [];
  for (const item of plan.items) {
    try {
      await startChild(upgradeWorkflow, {
        workflowId: deploymentWorkflowId(item.deploymentId),
        args: [{ operationId: item.operationId, deploymentId: item.deploymentId, kind: 'upgrade' }],
        memo: { operationId: item.operationId },
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (err) {
      if (!isAlreadyStarted(err)) throw err;
      await acts.releaseItem({ operationId: item.operationId });
      busy.push(item.deploymentId);
    }
  }
  return { items: plan.items.filter((i) => !busy.includes(i.deploymentId)), skipped: plan.skipped, busy };
}
