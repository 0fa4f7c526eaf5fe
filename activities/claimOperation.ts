import type { ClaimOperationInput } from '../contract/operation';
import { updateDeployment } from '../db/queries/deployments';
import { markOperationRunning } from '../db/queries/operations';
import { transitionOf } from '../domain/deploymentStatus';
import { FailureType } from '../domain/failures';
import type { ActivityDeps } from './deps';
import { operationAndDeployment } from './operationRows';
import { nonRetryable } from './failure';
import { emitOperationEvent } from '../notifications/emit';

/**
 * The first step of every lifecycle workflow: the operation the API recorded becomes
 * running under this run, and the deployment enters the operation's in-progress status,
 * in one transaction, after the transition is checked again (the API's check may be stale).
 */
export function createClaimOperation(deps: ActivityDeps) {
  return async function claimOperation(input: ClaimOperationInput): Promise<void> {
    const { op, d } = await operationAndDeployment(deps, input);
    // A retried attempt finds its own operation already running: the status check was
    // done by the first attempt and must not refuse the operation's own status now.
    if (op.status !== 'pending') return;
    const t = transitionOf(d, { type: 'start', kind: input.kind });
    if (!t.ok) throw nonRetryable(FailureType.IllegalTransition, t.reason);
    await deps.db.transaction().execute(async (trx) => {
      await markOperationRunning(trx, op.id, input.runId);
      await updateDeployment(trx, d.id, { status: t.status, progress: 0, last_error: null });
      await emitOperationEvent(trx, 'operation.started', op.id);
    });
  };
}
