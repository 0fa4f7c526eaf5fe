import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../db/database';
import { finishOperation, insertOperation, listOperations } from '../db/queries/operations';
import type { Deployment, Operation } from '../db/schema';
import { deploymentWorkflowId, type OperationInput, type OperationKind, type OperationTrigger, type Strategy } from '../domain/operations';
import type { Logger } from '../src/logger';
import { conflict, unavailable } from './errors';
import { newId } from './ids';

const WORKFLOW_TYPES: Partial<Record<OperationKind, string>> = {
  deploy: 'deployWorkflow',
};

export interface TemporalTarget {
  client: Client;
  taskQueue: string;
}

export interface OperationRequest {
  deployment: Deployment;
  kind: OperationKind;
  trigger: OperationTrigger;
  actor: string;
  toVersion: string | null;
  strategy: Strategy | null;
}

/**
 * Records the operation, then starts its workflow under the deployment's own workflow
 * id with conflict policy FAIL: Temporal, not a lock of ours, guarantees one running
 * operation per deployment.
 */
export async function startOperation(db: Db, temporal: TemporalTarget, logger: Logger, req: OperationRequest): Promise<Operation> {
  const workflowType = WORKFLOW_TYPES[req.kind];
  if (!workflowType) throw new Error(`no workflow for ${req.kind}`);
  const workflowId = deploymentWorkflowId(req.deployment.id);
  const op = await insertOperation(db, {
    id: newId('op', 12),
    deployment_id: req.deployment.id,
    kind: req.kind,
    trigger: req.trigger,
    actor: req.actor,
    from_version: req.deployment.serving_version,
    to_version: req.toVersion,
    config_revision: req.deployment.config_revision,
    strategy: req.strategy,
    workflow_id: workflowId,
    run_id: null,
    status: 'pending',
    phase: null,
    error_type: null,
    error_message: null,
    started_at: null,
    finished_at: null,
  });
  const input: OperationInput = { operationId: op.id, deploymentId: req.deployment.id, kind: req.kind };
  try {
    const handle = await temporal.client.workflow.start(workflowType, {
      taskQueue: temporal.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      memo: { operationId: op.id },
    });
    return { ...op, run_id: handle.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      await db.deleteFrom('operations').where('id', '=', op.id).execute();
      const running = (await listOperations(db, req.deployment.id)).find((o) => o.status === 'running' || o.status === 'pending');
      throw conflict('operation_in_flight', `deployment ${req.deployment.id} has an operation in flight${running ? ` (${running.kind} ${running.id})` : ''}; wait for it or cancel it`, {
        operationId: running?.id ?? null,
      });
    }
    logger.error({ err, operationId: op.id }, 'could not start workflow');
    await finishOperation(db, op.id, { status: 'failed', errorType: 'WorkflowStartFailed', errorMessage: 'Temporal did not accept the workflow; retry the request' });
    throw unavailable('the workflow engine is unreachable; retry in a moment');
  }
}
