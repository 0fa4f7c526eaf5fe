import { sql } from 'kysely';
import type { DbOrTrx } from '../database';
import type { Deployment } from '../schema';
import type { DeploymentStatus } from '../../domain/deploymentStatus';
import type { Strategy } from '../../domain/operations';
import type { SortKey } from '../../domain/pagination';
import { afterKey, cursorTime, orderByKey, runPage, type KeysetOrder, type Page, type PageRequest } from './keyset';

export interface DeploymentFilter {
  /** null: every tenant (admins). The tenant boundary: a tenant's scope is always its own id. */
  tenantId: string | null;
  appId?: string;
  status?: DeploymentStatus;
  servingVersion?: string;
  /** true: the app has a newer active release than the deployment's; false: it does not. */
  updateAvailable?: boolean;
  strategy?: Strategy;
  createdAfter?: Date;
  createdBefore?: Date;
  updatedAfter?: Date;
  updatedBefore?: Date;
}

/** Newest first; the id breaks ties between deployments created in the same microsecond. */
export const DEPLOYMENT_ORDER: KeysetOrder = {
  columns: ['deployments.created_at', 'deployments.id'],
  kinds: ['timestamp', 'text'],
  direction: 'desc',
};

export type ListedDeployment = Deployment & { page_at: string };

/**
 * The newest active release of the deployment's app, as "update available" means it. With
 * the app known it is one value (Postgres computes it once); else one lookup per row.
 */
const latestActiveVersion = (appId: string | undefined) =>
  sql<string>`(select r.version from releases r
    where r.app_id = ${appId !== undefined ? sql`${appId}` : sql.ref('deployments.app_id')} and r.status = 'active'
    order by r.created_at desc, r.id desc limit 1)`;

export function listDeploymentsPage(db: DbOrTrx, f: DeploymentFilter, page: PageRequest): Promise<Page<ListedDeployment>> {
  const q = deploymentsPageQuery(db, f, page.after);
  return runPage(
    (n) => q.limit(n).execute(),
    page,
    (d) => [d.page_at, d.id],
  );
}

/** The page query without its limit: tests EXPLAIN exactly what the API runs. */
export function deploymentsPageQuery(db: DbOrTrx, f: DeploymentFilter, after: SortKey | null) {
  let q = db.selectFrom('deployments').selectAll('deployments').select(cursorTime('deployments.created_at').as('page_at'));
  if (f.tenantId !== null) q = q.where('deployments.tenant_id', '=', f.tenantId);
  if (f.appId !== undefined) q = q.where('deployments.app_id', '=', f.appId);
  if (f.status !== undefined) q = q.where('deployments.status', '=', f.status);
  if (f.servingVersion !== undefined) q = q.where('deployments.serving_version', '=', f.servingVersion);
  if (f.strategy !== undefined) q = q.where('deployments.strategy', '=', f.strategy);
  if (f.createdAfter !== undefined) q = q.where('deployments.created_at', '>', f.createdAfter);
  if (f.createdBefore !== undefined) q = q.where('deployments.created_at', '<', f.createdBefore);
  if (f.updatedAfter !== undefined) q = q.where('deployments.updated_at', '>', f.updatedAfter);
  if (f.updatedBefore !== undefined) q = q.where('deployments.updated_at', '<', f.updatedBefore);
  if (f.updateAvailable === true) q = q.where(sql<boolean>`deployments.release_version <> ${latestActiveVersion(f.appId)}`);
  if (f.updateAvailable === false)
    q = q.where(
      sql<boolean>`deployments.release_version is not distinct from coalesce(${latestActiveVersion(f.appId)}, deployments.release_version)`,
    );
  if (after) q = q.where(afterKey(DEPLOYMENT_ORDER, after));
  return q.orderBy(orderByKey(DEPLOYMENT_ORDER));
}
