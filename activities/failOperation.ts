import { findDeployment, updateDeployment } from '../db/queries/deployments';
import { findOperation, finishOperation } from '../db/queries/operations';
import { liveRevisions, setRevisionStatus } from '../db/queries/revisions';
import { transition } from '../domain/deploymentStatus';
import type { OperationKind } from '../domain/operations';
import type { ActivityDeps } from './deps';
import { phaseLog } from './operationLog';

export interface FailOperationInput {
  operationId: string;
  deploymentId: string;
  kind: OperationKind;
  errorType: string;
  errorMessage: string;
  cancelled?: boolean;
}

/**
 * Redeploy is never destructive: revisions this operation started that do not take
 * traffic are stopped, while whatever serves keeps serving and serving_version stays
 * what the router really sends traffic to.
 */
export function createFailOperation(deps: ActivityDeps) {
  return async function failOperation(input: FailOperationInput): Promise<void> {
    const log = phaseLog(deps, input.operationId, 'finalize');
    for (const rev of await liveRevisions(deps.db, input.deploymentId)) {
      if (rev.operation_id !== input.operationId || rev.status === 'serving') continue;
      await deps.compute.stop(rev.key, { graceMs: deps.settings.stopGraceMs });
      await setRevisionStatus(deps.db, rev.key, 'stopped');
      await log(`stopped-${rev.key}`, `stopped ${rev.key}, which never took traffic`);
    }
    await deps.db.transaction().execute(async (trx) => {
      const op = await findOperation(trx, input.operationId);
      const d = await findDeployment(trx, input.deploymentId);
      if (!op || !d) return;
      if (op.status === 'running') {
        const t = transition({ status: d.status, servingVersion: d.serving_version, previousVersion: d.previous_version }, { type: 'fail', kind: input.kind });
        await updateDeployment(trx, d.id, { status: t.ok ? t.status : d.status, last_error: input.errorMessage });
      }
      await finishOperation(trx, op.id, { status: input.cancelled ? 'cancelled' : 'failed', errorType: input.errorType, errorMessage: input.errorMessage });
    });
    await log('failed', `${input.kind} failed: ${input.errorMessage}`, 'error');
  };
}
