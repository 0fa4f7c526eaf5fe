import { findDeployment, updateDeployment } from '../db/queries/deployments';
import { findOperation, finishOperation } from '../db/queries/operations';
import { transitionOf } from '../domain/deploymentStatus';
import { emitOperationEvent } from '../notifications/emit';
import type { ActivityDeps } from './deps';
import { phaseLog } from './operationLog';
import type { CompleteOperationInput } from '../contract/operationOutcome';

/**
 * The "finalize" phase: records the outcome in one transaction; a retry after the commit
 * changes nothing. previous_version moves only when the serving version changes, so a
 * rollback of a rollback goes forward again and a restart keeps the rollback target.
 */
export function createCompleteOperation(deps: ActivityDeps) {
  return async function completeOperation(input: CompleteOperationInput): Promise<void> {
    const log = phaseLog(deps, input.operationId, 'finalize');
    await deps.db.transaction().execute(async (trx) => {
      const op = await findOperation(trx, input.operationId);
      const d = await findDeployment(trx, input.deploymentId);
      if (!op || !d || op.status !== 'running') return;
      const t = transitionOf(d, { type: 'succeed', kind: input.kind });
      const status = t.ok ? t.status : d.status;
      if (input.serving) {
        const moved = d.serving_version !== null && d.serving_version !== input.serving.version;
        await updateDeployment(trx, d.id, {
          status,
          progress: 100,
          last_error: null,
          serving_version: input.serving.version,
          previous_version: moved ? d.serving_version : d.previous_version,
          release_version: input.serving.version,
          active_slot: input.serving.slot,
          serving_config_revision: input.serving.configRevision,
          ...(input.replicas !== undefined ? { replicas: input.replicas } : {}),
        });
      } else {
        await updateDeployment(trx, d.id, {
          status,
          progress: 100,
          last_error: null,
          serving_version: null,
          active_slot: null,
          serving_config_revision: null,
        });
      }
      await finishOperation(trx, op.id, { status: 'succeeded' });
      await emitOperationEvent(trx, 'operation.succeeded', op.id);
    });
    await log(
      'done',
      input.serving
        ? `${input.deploymentId} is running ${input.serving.version}`
        : `${input.deploymentId} is ${input.kind === 'teardown' ? 'destroyed' : 'suspended'}`,
    );
  };
}
