import { findDeployment, updateDeployment } from '../db/queries/deployments';
import { findOperation, finishOperation } from '../db/queries/operations';
import { transition } from '../domain/deploymentStatus';
import type { OperationKind, Slot } from '../domain/operations';
import type { ActivityDeps } from './deps';
import { phaseLog } from './operationLog';

export interface FinalizeInput {
  operationId: string;
  deploymentId: string;
  kind: OperationKind;
  version: string;
  slot: Slot;
  configRevision: number;
}

/** Records the outcome in one transaction; a retry after the commit changes nothing. */
export function createFinalize(deps: ActivityDeps) {
  return async function finalize(input: FinalizeInput): Promise<void> {
    const log = phaseLog(deps, input.operationId, 'finalize');
    await deps.db.transaction().execute(async (trx) => {
      const op = await findOperation(trx, input.operationId);
      const d = await findDeployment(trx, input.deploymentId);
      if (!op || !d || op.status !== 'running') return;
      const t = transition({ status: d.status, servingVersion: d.serving_version, previousVersion: d.previous_version }, { type: 'succeed', kind: input.kind });
      const movedVersion = d.serving_version !== null && d.serving_version !== input.version;
      await updateDeployment(trx, d.id, {
        status: t.ok ? t.status : d.status,
        progress: 100,
        serving_version: input.version,
        previous_version: movedVersion ? d.serving_version : d.previous_version,
        release_version: input.version,
        active_slot: input.slot,
        serving_config_revision: input.configRevision,
        last_error: null,
      });
      await finishOperation(trx, op.id, { status: 'succeeded' });
    });
    await log('done', `${input.deploymentId} is running ${input.version}`);
  };
}
