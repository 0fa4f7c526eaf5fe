import type { DbOrTrx } from '../database';
import type { DeploymentStatus } from '../../domain/deploymentStatus';
import { updateDeploymentQuery } from './deployments';
import { markOperationRunningQuery } from './operations';
import { claimWarmQuery } from './revisions';

/**
 * A warm rollback's two claims as one statement: the operation running under the run, the
 * deployment in its in-progress status, and each of `warmKeys` still warm moved to ready
 * under the operation. One statement is atomic by itself, so this is one round trip where a
 * transaction takes six (BEGIN, three writes, the event's subscriber lookup, COMMIT), and those
 * round trips are time users wait on the version being rolled back. Returns the keys it moved.
 * Only for a claim no event subscriber listens to: an event's outbox row must be written in
 * the same transaction (activities/claimRollback.ts takes the transaction then).
 */
export async function claimOperationAndWarmRevisions(
  db: DbOrTrx,
  c: { operationId: string; runId: string; deploymentId: string; status: DeploymentStatus; progress: number; warmKeys: string[] },
): Promise<string[]> {
  // Postgres runs every data-modifying WITH to completion whether or not the outer query reads it.
  const rows = await db
    .with('op', () => markOperationRunningQuery(db, c.operationId, c.runId).returning('id'))
    .with('dep', () =>
      updateDeploymentQuery(db, c.deploymentId, { status: c.status, progress: c.progress, last_error: null }).returning('id'),
    )
    .with('revs', () => claimWarmQuery(db, c.warmKeys, c.operationId))
    .selectFrom('revs')
    .select('key')
    .execute();
  return rows.map((r) => r.key);
}
