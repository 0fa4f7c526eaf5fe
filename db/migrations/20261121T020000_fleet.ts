import { Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the application.

export async function up(db: Kysely<any>): Promise<void> {
  // Rolling deployments run several replicas of a revision behind one route.
  await db.schema
    .alterTable('deployments')
    .addColumn('replicas', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`replicas between 1 and 20`),
    )
    .execute();
  // Per-operation strategy parameters (canary steps, thresholds), validated by the API.
  await db.schema.alterTable('operations').addColumn('strategy_options', 'jsonb').execute();
  // The fleet rollout an operation belongs to, if any.
  await db.schema.alterTable('operations').addColumn('mass_upgrade_id', 'text').execute();
  await db.schema.createIndex('operations_mass_upgrade_idx').on('operations').column('mass_upgrade_id').execute();

  await db.schema
    .createTable('mass_upgrades')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id'))
    .addColumn('target_version', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('options', 'jsonb', (c) => c.notNull())
    .addColumn('plan', 'jsonb')
    .addColumn('progress', 'jsonb')
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('halt_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mass_upgrades').ifExists().execute();
  await db.schema.alterTable('operations').dropColumn('mass_upgrade_id').execute();
  await db.schema.alterTable('operations').dropColumn('strategy_options').execute();
  await db.schema.alterTable('deployments').dropColumn('replicas').execute();
}
