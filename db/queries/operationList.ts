import type { DbOrTrx } from '../database';
import type { Operation, OperationLog } from '../schema';
import type { OperationKind, OperationStatus } from '../../domain/operations';
import type { SortKey } from '../../domain/pagination';
import { afterKey, cursorTime, orderByKey, runPage, type KeysetOrder, type Page, type PageRequest } from './keyset';

/** Newest first, the id breaking ties: the same order for one deployment and for the fleet. */
export const OPERATION_ORDER: KeysetOrder = {
  columns: ['operations.created_at', 'operations.id'],
  kinds: ['timestamp', 'text'],
  direction: 'desc',
};

/** Log lines in the order they were written; the bigserial id is that order. */
export const LOG_ORDER: KeysetOrder = { columns: ['operation_logs.id'], kinds: ['integer'], direction: 'asc' };

export type ListedOperation = Operation & { page_at: string };

export interface OperationFilter {
  /** null: every tenant (admins); else only operations of that tenant's deployments. */
  tenantId: string | null;
  deploymentId?: string;
  status?: OperationStatus;
  kind?: OperationKind;
  /** created at or after */
  since?: Date;
  /** created before */
  before?: Date;
}

export function listOperationsPage(db: DbOrTrx, f: OperationFilter, page: PageRequest): Promise<Page<ListedOperation>> {
  const q = operationsPageQuery(db, f, page.after);
  return runPage(
    (n) => q.limit(n).execute(),
    page,
    (o) => [o.page_at, o.id],
  );
}

/** The page query without its limit: tests EXPLAIN exactly what the API runs. */
export function operationsPageQuery(db: DbOrTrx, f: OperationFilter, after: SortKey | null) {
  let q = db.selectFrom('operations').selectAll('operations').select(cursorTime('operations.created_at').as('page_at'));
  // The tenant lives on the deployment; the join is the boundary for the fleet-wide list.
  if (f.tenantId !== null)
    q = q.where('operations.deployment_id', 'in', (eb) =>
      eb
        .selectFrom('deployments')
        .select('deployments.id')
        .where('deployments.tenant_id', '=', f.tenantId as string),
    );
  if (f.deploymentId !== undefined) q = q.where('operations.deployment_id', '=', f.deploymentId);
  if (f.status !== undefined) q = q.where('operations.status', '=', f.status);
  if (f.kind !== undefined) q = q.where('operations.kind', '=', f.kind);
  if (f.since !== undefined) q = q.where('operations.created_at', '>=', f.since);
  if (f.before !== undefined) q = q.where('operations.created_at', '<', f.before);
  if (after) q = q.where(afterKey(OPERATION_ORDER, after));
  return q.orderBy(orderByKey(OPERATION_ORDER));
}

/** The newest operation of a deployment matching a rule: no page cut-off can hide it. */
export async function latestOperation(
  db: DbOrTrx,
  deploymentId: string,
  where: { statuses?: readonly OperationStatus[]; kind?: OperationKind },
): Promise<Operation | null> {
  let q = db.selectFrom('operations').selectAll().where('deployment_id', '=', deploymentId);
  if (where.statuses) q = q.where('status', 'in', [...where.statuses]);
  if (where.kind) q = q.where('kind', '=', where.kind);
  return (await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst()) ?? null;
}

export function listOperationLogsPage(db: DbOrTrx, operationId: string, page: PageRequest): Promise<Page<OperationLog>> {
  let q = db.selectFrom('operation_logs').selectAll().where('operation_logs.operation_id', '=', operationId);
  if (page.after) q = q.where(afterKey(LOG_ORDER, page.after));
  const built = q.orderBy(orderByKey(LOG_ORDER));
  return runPage(
    (n) => built.limit(n).execute(),
    page,
    (l) => [Number(l.id)],
  );
}
