import { findDeployment, updateDeployment } from '../db/queries/deployments';
import { findOperation, finishOperation } from '../db/queries/operations';
import { casRevisionStatus, liveRevisions } from '../db/queries/revisions';
import { transitionOf } from '../domain/deploymentStatus';
import { pauseAutoUpdate } from '../db/queries/autoUpdate';
import { emitOperationEvent } from '../notifications/emit';
import type { ActivityDeps } from './deps';
import { phaseLog } from './operationLog';
import { stopRevisionProcess } from './stopRevision';
import type { FailOperationInput, FailOperationResult } from '../contract/operationOutcome';
import { routeBackToServing } from './routeRepair';

/**
 * Redeploy is never destructive: revisions this operation started that never passed
 * readiness are stopped; one that became ready but never took traffic is kept warm (a
 * retry adopts it instead of starting again) until its retirement timer; whatever serves
 * keeps serving, and serving_version stays what the router really sends traffic to.
 */
export function createFailOperation(deps: ActivityDeps) {
  return async function failOperation(input: FailOperationInput): Promise<FailOperationResult> {
    const log = phaseLog(deps, input.operationId, 'finalize');
    const live = await liveRevisions(deps.db, input.deploymentId);
    // Before anything below turns a routed revision warm, which its retirement timer would stop.
    const restored = await routeBackToServing(deps, input.deploymentId, live);
    if (restored) await log('route-restored', restored, 'warn');
    const warmKeys: string[] = [];
    for (const rev of live) {
      if (rev.operation_id !== input.operationId) continue;
      if (rev.status === 'ready' && (await casRevisionStatus(deps.db, rev.key, ['ready'], 'warm', { retire_token: input.operationId }))) {
        warmKeys.push(rev.key);
        await log(`warm-${rev.key}`, `kept ${rev.key} warm: it is ready, and a retry will use it`);
      } else if (rev.status === 'starting' || rev.status === 'retiring') {
        await stopRevisionProcess(deps, rev.key);
        await log(`stopped-${rev.key}`, `stopped ${rev.key}, which never took traffic`);
      }
    }
    await deps.db.transaction().execute(async (trx) => {
      const op = await findOperation(trx, input.operationId);
      const d = await findDeployment(trx, input.deploymentId);
      if (!op || !d) return;
      const open = op.status === 'pending' || op.status === 'running';
      // A failed auto-update stops the schedule from trying the same thing every hour.
      if (open && op.trigger === 'auto_update' && !input.cancelled)
        await pauseAutoUpdate(
          trx,
          d.id,
          `auto-update to ${op.to_version ?? '-'} failed (${op.id}): ${input.errorType}: ${input.errorMessage}`,
        );
      if (op.status === 'running') {
        const t = transitionOf(d, { type: input.abandoned ? 'abandon' : 'fail', kind: input.kind });
        await updateDeployment(trx, d.id, {
          status: t.ok ? t.status : d.status,
          // An abandoned preview is a decision, not an error the deployment should show.
          last_error: input.abandoned ? d.last_error : `${input.errorType}: ${input.errorMessage}`,
          preview_expires_at: null,
        });
      }
      await finishOperation(trx, op.id, {
        status: input.cancelled || input.abandoned ? 'cancelled' : 'failed',
        errorType: input.errorType,
        errorMessage: input.errorMessage,
      });
      if (open) await emitOperationEvent(trx, 'operation.failed', op.id);
    });
    if (input.abandoned) await log('abandoned', `${input.kind} ended without a switch: ${input.errorMessage}`, 'warn');
    else await log('failed', `${input.kind} failed: ${input.errorMessage}`, 'error');
    return { warmKeys };
  };
}
