import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { OperationInput } from '../contract/operation';
import type { Db } from '../db/database';
import { newOperationRow, type OperationRowInput } from '../db/operationRow';
import { deleteOperation, findOperation, finishOperation, insertOperation } from '../db/queries/operations';
import { latestOperation } from '../db/queries/operationList';
import type { Deployment, Operation } from '../db/schema';
import { deploymentWorkflowId, isTerminalOperationStatus, type OperationKind } from '../domain/operations';
import { FAULT_POINTS, type FaultPoints } from '../ports/faultPoints';
import type { Logger } from '../ports/logger';
import {
  deployWorkflow,
  restartWorkflow,
  resumeWorkflow,
  retryWorkflow,
  rollbackWorkflow,
  scaleWorkflow,
  cleanupWorkflow,
  suspendWorkflow,
  teardownWorkflow,
  upgradeWorkflow,
} from '../workflows/operations';
import { conflict, unavailable } from './errors';
import { newId } from './ids';
import { waitForWorkflowClose } from './workflowClose';

/**
 * The workflow per operation kind, by reference: Temporal takes the workflow type from the
 * function's name, so renaming a workflow breaks this import at compile time instead of
 * starting an unknown workflow type in production.
 */
export const OPERATION_WORKFLOWS: Record<OperationKind, (input: OperationInput) => Promise<void>> = {
  deploy: deployWorkflow,
  upgrade: upgradeWorkflow,
  retry: retryWorkflow,
  rollback: rollbackWorkflow,
  restart: restartWorkflow,
  suspend: suspendWorkflow,
  resume: resumeWorkflow,
  teardown: teardownWorkflow,
  scale: scaleWorkflow,
  cleanup: cleanupWorkflow,
};

export interface TemporalTarget {
  client: Client;
  taskQueue: string;
}

export interface StarterDeps {
  db: Db;
  temporal: TemporalTarget;
  logger: Logger;
  faults: FaultPoints;
}

export type OperationRequest = Omit<OperationRowInput, 'id' | 'deployment'> & {
  deployment: Deployment;
  /**
   * Given when the request carried an Idempotency-Key: the id is derived from the key, so a
   * request repeated after a crash of the API finds the operation the first one created.
   */
  operationId?: string;
};

/**
 * Records the operation, then starts its workflow under the deployment's own workflow id
 * with conflict policy FAIL: Temporal, not a lock of ours, guarantees one running
 * operation per deployment. Calling it again with the same operationId never creates a
 * second operation or a second workflow run: it returns the one that exists, starting its
 * workflow only if the first call died before it could.
 */
export async function startOperation(deps: StarterDeps, req: OperationRequest): Promise<Operation> {
  const { db, temporal, logger } = deps;
  const workflowId = deploymentWorkflowId(req.deployment.id);
  const existing = req.operationId ? await findOperation(db, req.operationId) : null;
  if (existing && (existing.status !== 'pending' || (await workflowRunsOperation(temporal.client, workflowId, existing.id))))
    return existing;

  const op = existing ?? (await insertOperation(db, newOperationRow({ ...req, id: req.operationId ?? newId('op', 12) })));
  const input: OperationInput = { operationId: op.id, deploymentId: req.deployment.id, kind: op.kind };
  for (let attempt = 1; ; attempt++) {
    try {
      const handle = await temporal.client.workflow.start(OPERATION_WORKFLOWS[op.kind], {
        taskQueue: temporal.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        memo: { operationId: op.id },
      });
      deps.faults.reached(FAULT_POINTS.afterWorkflowStart);
      return { ...op, run_id: handle.firstExecutionRunId };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        logger.error({ err, operationId: op.id }, 'could not start workflow');
        await finishOperation(db, op.id, {
          status: 'failed',
          errorType: 'WorkflowStartFailed',
          errorMessage: 'Temporal did not accept the workflow; retry the request',
        });
        throw unavailable('the workflow engine is unreachable; retry in a moment');
      }
      const current = await currentOperationId(temporal.client, workflowId);
      if (current === op.id) return op;
      const inFlight =
        attempt === 1 ? await operationInFlight(db, temporal.client, workflowId) : await findRunning(db, req.deployment.id, current);
      if (!inFlight && attempt === 1) continue;
      await deleteOperation(db, op.id);
      throw inFlightConflict(req.deployment.id, inFlight);
    }
  }
}

export function inFlightConflict(deploymentId: string, running: Operation | null) {
  return conflict(
    'operation_in_flight',
    `deployment ${deploymentId} has an operation in flight${running ? ` (${running.kind} ${running.id})` : ''}; wait for it to finish or follow it with GET /api/operations/${running?.id ?? ':id'}`,
    {
      operationId: running?.id ?? null,
    },
  );
}

/**
 * The operation running on the deployment's workflow id, asked of Temporal (a row left
 * "running" by a terminated workflow must not block forever). An operation that already
 * reads as finished while its workflow closes (a few milliseconds) is waited out rather
 * than reported.
 */
export async function operationInFlight(db: Db, client: Client, workflowId: string): Promise<Operation | null> {
  let desc;
  try {
    desc = await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  if (desc.status.name !== 'RUNNING') return null;
  const opId = typeof desc.memo?.operationId === 'string' ? desc.memo.operationId : null;
  const op = opId ? await findOperation(db, opId) : null;
  if (op && isTerminalOperationStatus(op.status) && (await waitForWorkflowClose(client, workflowId))) return null;
  return op ?? (await findRunning(db, workflowId.replace(/^deployment-/, ''), null));
}

async function findRunning(db: Db, deploymentId: string, preferred: string | null): Promise<Operation | null> {
  if (preferred) {
    const op = await findOperation(db, preferred);
    if (op) return op;
  }
  return latestOperation(db, deploymentId, { statuses: ['pending', 'running'] });
}

async function currentOperationId(client: Client, workflowId: string): Promise<string | null> {
  try {
    const desc = await client.workflow.getHandle(workflowId).describe();
    return typeof desc.memo?.operationId === 'string' ? desc.memo.operationId : null;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** Whether the deployment's current workflow run (running or not) was started for this operation. */
async function workflowRunsOperation(client: Client, workflowId: string, operationId: string): Promise<boolean> {
  return (await currentOperationId(client, workflowId)) === operationId;
}
