import { sql } from 'kysely';
import type { Db } from '../../db/database';

/**
 * Deployments written straight into the table (no processes, no workflows), for list tests
 * and benchmarks that need thousands of rows fast. Every tenth row shares its created_at
 * with nine others, so keyset order has to break ties by id. Tenants take turns (three rows each) from
 * `tenants`; status, strategy and versions cycle, so every filter has something to find.
 */
export async function seedDeployments(
  db: Db,
  o: { appId: string; count: number; tenants: readonly string[]; prefix?: string; start?: Date },
): Promise<void> {
  const prefix = o.prefix ?? 'seed';
  const start = (o.start ?? new Date('2026-11-01T00:00:00Z')).toISOString();
  const tenants = sql.val([...o.tenants]);
  await sql`
    insert into deployments (id, tenant_id, app_id, name, hostname, release_version, serving_version, status, strategy, created_at, updated_at)
    select 'd-' || ${prefix} || lpad(i::text, 6, '0'),
           (${tenants}::text[])[1 + (i / 3) % cardinality(${tenants}::text[])],
           ${o.appId},
           ${prefix} || '-' || i,
           'd-' || ${prefix} || lpad(i::text, 6, '0') || '.localhost',
           case when i % 2 = 0 then '1.0.0' else '2.0.0' end,
           case when i % 7 = 0 then null when i % 2 = 0 then '1.0.0' else '2.0.0' end,
           (array['running', 'running', 'running', 'failed', 'suspended', 'running', 'destroyed'])[1 + i % 7],
           (array['blue_green', 'rolling', 'canary', 'recreate'])[1 + i % 4],
           ${start}::timestamptz + (i / 10) * interval '1 second',
           ${start}::timestamptz + (i / 10) * interval '1 second' + (i % 5) * interval '1 hour'
    from generate_series(1, ${o.count}) as i`.execute(db);
  await sql`analyze deployments`.execute(db);
}

/** Operations on seeded deployments: one per deployment, every fourth failed. */
export async function seedOperations(db: Db, o: { prefix?: string; start?: Date }): Promise<void> {
  const prefix = o.prefix ?? 'seed';
  const start = (o.start ?? new Date('2026-11-01T00:00:00Z')).toISOString();
  await sql`
    insert into operations (id, deployment_id, kind, trigger, actor, to_version, config_revision, workflow_id, status, created_at)
    select 'op-' || substr(d.id, 3), d.id, 'upgrade', 'api', 'seed', '2.0.0', 1, 'deployment-' || d.id,
           case when row_number() over (order by d.id) % 4 = 0 then 'failed' else 'succeeded' end,
           ${start}::timestamptz + (row_number() over (order by d.id) / 5) * interval '1 second'
    from deployments d where d.id like ${`d-${prefix}%`}`.execute(db);
  await sql`analyze operations`.execute(db);
}
