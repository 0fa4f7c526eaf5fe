import type { Client } from '@temporalio/client';
import { deploymentWorkflowId } from '../../domain/operations';
import { eventually } from '../helpers/apiClient';
import { waitForOperation, type Api } from '../helpers/hello';
import type { SlipwayStack } from '../helpers/slipwayStack';

/** How many runs Temporal knows under the deployment's workflow id. */
export async function workflowRuns(client: Client, deploymentId: string): Promise<number> {
  let n = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = "${deploymentWorkflowId(deploymentId)}"` })) n++;
  return n;
}

/** Visibility is eventually consistent: wait until it lists at least `atLeast` runs, then count. */
export function settledWorkflowRuns(client: Client, deploymentId: string, atLeast = 1): Promise<number> {
  return eventually(`visibility to list ${atLeast} run(s) of ${deploymentId}`, async () => {
    const n = await workflowRuns(client, deploymentId);
    return n >= atLeast ? n : undefined;
  });
}

/**
 * Waits for the operation row to finish and for its workflow to close: the row is finished
 * by the workflow's last activity, a moment before the run itself completes, and until then
 * Temporal (rightly) refuses the next operation on the deployment.
 */
export async function settle(s: SlipwayStack, api: Api, operationId: string): Promise<any> {
  const op = await waitForOperation(api, operationId);
  await eventually(`workflow of ${op.deploymentId} to close`, async () => {
    const desc = await s.temporal.client.workflow.getHandle(deploymentWorkflowId(op.deploymentId)).describe();
    return desc.status.name === 'RUNNING' ? undefined : true;
  });
  return op;
}

export const countRows = async (s: SlipwayStack, table: 'operations' | 'deployments') =>
  Number(
    (
      await s.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
