import type { ClaimOperationInput, ClaimRollbackResult } from '../contract/operation';
import { PHASE_PROGRESS } from '../domain/operations';
import { claimStatus, recordClaim } from './claimOperation';
import type { ActivityDeps } from './deps';
import { readDeploymentContext } from './loadDeploymentContext';
import { phaseLog } from './operationLog';
import { operationAndDeployment } from './operationRows';
import { claimWarm, logWarmClaim, runningWarmRevisions } from './warmRevisions';

/**
 * A rollback's whole way to its switch in one step: claim the operation, load its context
 * (the target release exists, its images are still in the registry) and claim the target's
 * warm revisions that answer a readiness probe, the two claims in one transaction. It stands
 * for claimOperation + loadDeploymentContext + claimWarmRevisions (three local activities,
 * twice the database round trips) while users still get the version being rolled back.
 * Idempotent like them: a repeat finds the operation claimed and its revisions ready.
 */
export function createClaimRollback(deps: ActivityDeps) {
  return async function claimRollback(input: ClaimOperationInput): Promise<ClaimRollbackResult> {
    const { op, d } = await operationAndDeployment(deps, input);
    const status = claimStatus(op, d, input.kind);
    const { ctx, summary } = await readDeploymentContext(deps, op, d, input.kind);
    const running = await runningWarmRevisions(deps, {
      deploymentId: d.id,
      operationId: op.id,
      version: ctx.targetVersion,
      readinessPath: ctx.readinessPath,
    });
    const warm = await deps.db.transaction().execute(async (trx) => {
      if (status)
        await recordClaim(trx, {
          operationId: op.id,
          deploymentId: d.id,
          runId: input.runId,
          status,
          progress: PHASE_PROGRESS.fetchDeployment,
        });
      return claimWarm(trx, running, op.id);
    });
    await phaseLog(deps, op.id, 'fetchDeployment')('loaded', summary);
    await logWarmClaim(deps, op.id, ctx.targetVersion, warm);
    return { ctx, warm };
  };
}
