import type { ClaimOperationInput } from '../contract/operation';
import type { DbOrTrx } from '../db/database';
import { updateDeployment } from '../db/queries/deployments';
import { markOperationRunning } from '../db/queries/operations';
import type { Deployment, Operation } from '../db/schema';
import { transitionOf, type DeploymentStatus } from '../domain/deploymentStatus';
import { FailureType } from '../domain/failures';
import type { OperationKind } from '../domain/operations';
import type { ActivityDeps } from './deps';
import { operationAndDeployment } from './operationRows';
import { nonRetryable } from './failure';
import { emitOperationEvent } from '../notifications/emit';

/**
 * The status a pending operation moves its deployment to, after the transition is checked
 * again (the API's check may be stale); null when the operation is already claimed. A
 * retried attempt finds its own operation running: the first attempt checked, and the
 * operation's own status must not refuse it now.
 */
export function claimStatus(op: Operation, d: Deployment, kind: OperationKind): DeploymentStatus | null {
  if (op.status !== 'pending') return null;
  const t = transitionOf(d, { type: 'start', kind });
  if (!t.ok) throw nonRetryable(FailureType.IllegalTransition, t.reason);
  return t.status;
}

/** Operation running under the run, deployment in its in-progress status: inside the caller's transaction. */
export async function recordClaim(
  trx: DbOrTrx,
  claim: { operationId: string; deploymentId: string; runId: string; status: DeploymentStatus; progress: number },
): Promise<void> {
  await markOperationRunning(trx, claim.operationId, claim.runId);
  await updateDeployment(trx, claim.deploymentId, { status: claim.status, progress: claim.progress, last_error: null });
  await emitOperationEvent(trx, 'operation.started', claim.operationId);
}

/**
 * The first step of every lifecycle workflow: the operation the API recorded becomes
 * running under this run, and the deployment enters the operation's in-progress status,
 * in one transaction.
 */
export function createClaimOperation(deps: ActivityDeps) {
  return async function claimOperation(input: ClaimOperationInput): Promise<void> {
    const { op, d } = await operationAndDeployment(deps, input);
    const status = claimStatus(op, d, input.kind);
    if (!status) return;
    await deps.db
      .transaction()
      .execute((trx) => recordClaim(trx, { operationId: op.id, deploymentId: d.id, runId: input.runId, status, progress: 0 }));
  };
}
