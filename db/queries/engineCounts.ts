import { sql } from 'kysely';
import type { DbOrTrx } from '../database';
import { TERMINAL_OPERATION_STATUSES } from '../../domain/operations';

// Aggregates for GET /metrics: counts by fixed vocabularies only, never a tenant, app or id.

export async function countOperationsByKindAndStatus(db: DbOrTrx): Promise<{ kind: string; status: string; count: number }[]> {
  const rows = await db
    .selectFrom('operations')
    .select(['kind', 'status', sql<string>`count(*)`.as('n')])
    .groupBy(['kind', 'status'])
    .execute();
  return rows.map((r) => ({ kind: r.kind, status: r.status, count: Number(r.n) }));
}

/** Finished operations by kind: how many took at most each bound (cumulative), all of them, and seconds summed. */
export async function finishedOperationDurations(
  db: DbOrTrx,
  boundsSeconds: readonly number[],
): Promise<{ kind: string; atMost: number[]; count: number; sumSeconds: number }[]> {
  const seconds = sql<number>`extract(epoch from (finished_at - coalesce(started_at, created_at)))`;
  const bucketColumns = boundsSeconds.map((le, i) => sql<string>`count(*) filter (where ${seconds} <= ${le})`.as(`le${i}`));
  const rows = await db
    .selectFrom('operations')
    .select(['kind', sql<string>`count(*)`.as('n'), sql<string>`coalesce(sum(greatest(${seconds}, 0)), 0)`.as('total'), ...bucketColumns])
    .where('status', 'in', [...TERMINAL_OPERATION_STATUSES])
    .where('finished_at', 'is not', null)
    .groupBy('kind')
    .execute();
  return rows.map((r) => {
    const row = r as unknown as Record<string, string>;
    return {
      kind: r.kind,
      atMost: boundsSeconds.map((_, i) => Number(row[`le${i}`])),
      count: Number(r.n),
      sumSeconds: Number(r.total),
    };
  });
}

export async function countDeploymentsByStatus(db: DbOrTrx): Promise<{ status: string; count: number }[]> {
  const rows = await db
    .selectFrom('deployments')
    .select(['status', sql<string>`count(*)`.as('n')])
    .groupBy('status')
    .execute();
  return rows.map((r) => ({ status: r.status, count: Number(r.n) }));
}
