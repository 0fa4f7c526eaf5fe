import { sql } from 'kysely';
import type { DbOrTrx } from '../database';
import type { Deployment } from '../schema';

/** How far back each poll looks again: a transaction that began earlier may commit after a later one. */
export const CHANGE_OVERLAP_MS = 5_000;
const MAX_CHANGES_PER_POLL = 500;

export type ChangedDeployment = Deployment & { change_key: string };

/**
 * Deployments written since `since` (minus the overlap), oldest change first, with
 * `change_key` (updated_at to the microsecond) so the caller sends each change once.
 * The tenant boundary: a tenant's scope is always its own id; null is every tenant (admins).
 */
export async function deploymentsChangedSince(db: DbOrTrx, tenantId: string | null, since: Date): Promise<ChangedDeployment[]> {
  let q = db
    .selectFrom('deployments')
    .selectAll('deployments')
    .select(sql<string>`to_char(deployments.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`.as('change_key'))
    .where('deployments.updated_at', '>', new Date(since.getTime() - CHANGE_OVERLAP_MS));
  if (tenantId !== null) q = q.where('deployments.tenant_id', '=', tenantId);
  return q.orderBy('deployments.updated_at').orderBy('deployments.id').limit(MAX_CHANGES_PER_POLL).execute();
}
