import type { ClaimOperationInput, ClaimRollbackResult } from '../contract/operation';
import { PHASE_PROGRESS } from '../domain/operations';
import { claimStatus, recordClaim } from './claimOperation';
import { claimOperationAndWarmRevisions } from '../db/queries/claims';
import { liveRevisions } from '../db/queries/revisions';
import { subscribersOfOperation } from '../db/queries/subscriptions';
import type { ActivityDeps } from './deps';
import { readDeploymentContext } from './loadDeploymentContext';
import { phaseLog } from './operationLog';
import { routeTo } from './switchTraffic';
import { operationAndDeployment } from './operationRows';
import { claimWarm, logWarmClaim, runningWarmRevisions, wonRevisions } from './warmRevisions';

/**
 * A rollback's whole way to its switch in one step: claim the operation, load its context
 * (the target release exists, its images are still in the registry), claim the target's
 * warm revisions that answer a readiness probe (the two claims in one statement, or in one
 * transaction with the start event when someone subscribes to it), and,
 * when some were warm, route to them. It stands for claimOperation + loadDeploymentContext +
 * claimWarmRevisions + the swap of switchTraffic (four local activities, each hand-over
 * between them a workflow activation) while users still get the version being rolled back.
 * switchTraffic then sets the same route again (a no-op) and does the bookkeeping.
 * Idempotent like them: a repeat finds the operation claimed, its revisions ready and the
 * route already there.
 */
export function createClaimRollback(deps: ActivityDeps) {
  return async function claimRollback(input: ClaimOperationInput): Promise<ClaimRollbackResult> {
    const { op, d } = await operationAndDeployment(deps, input);
    const status = claimStatus(op, d, input.kind);
    // Side by side wherever one read does not need another's answer: every round trip here
    // is time users still spend on the version being rolled back.
    const [{ ctx, summary }, live, subscribers] = await Promise.all([
      readDeploymentContext(deps, op, d, input.kind),
      liveRevisions(deps.db, d.id),
      status ? subscribersOfOperation(deps.db, 'operation.started', op.id) : [],
    ]);
    const running = await runningWarmRevisions(
      deps,
      { deploymentId: d.id, operationId: op.id, version: ctx.targetVersion, readinessPath: ctx.readinessPath },
      live,
    );
    const claim = { operationId: op.id, deploymentId: d.id, runId: input.runId, progress: PHASE_PROGRESS.fetchDeployment };
    // Nobody listens for the start (the usual case): both claims in one statement. Otherwise
    // the start event's outbox row goes in the same transaction as the claims.
    const claimed =
      status && subscribers.length === 0
        ? claimOperationAndWarmRevisions(deps.db, { ...claim, status, warmKeys: running.map((r) => r.key) }).then((moved) =>
            wonRevisions(running, new Set(moved)),
          )
        : deps.db.transaction().execute(async (trx) => {
            if (status) await recordClaim(trx, { ...claim, status });
            return claimWarm(trx, running, op.id);
          });
    const [warm] = await Promise.all([claimed, phaseLog(deps, op.id, 'fetchDeployment')('loaded', summary)]);
    if (warm.length > 0) await routeTo(deps, { deploymentId: d.id, hostname: ctx.hostname, revisions: warm });
    await logWarmClaim(deps, op.id, ctx.targetVersion, warm);
    return { ctx, warm };
  };
}
