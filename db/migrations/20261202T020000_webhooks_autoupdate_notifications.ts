import { Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the application.

export async function up(db: Kysely<any>): Promise<void> {
  // Push to deploy: the app's HMAC secret, sealed like secret env values (key_id names the key).
  await db.schema.alterTable('apps').addColumn('webhook_secret', 'text').addColumn('webhook_secret_key_id', 'text').execute();
  // Delivery ids seen per app: a replayed push is refused, a redelivery of a failed one is not.
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('app_id', 'bigint', (c) => c.notNull().references('apps.id'))
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('release_version', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('webhook_deliveries_pk', ['app_id', 'delivery_id'])
    .execute();

  await db.schema
    .alterTable('deployments')
    .addColumn('auto_deploy', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('auto_update_enabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('auto_update_max_per_week', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(5)
        .check(sql`auto_update_max_per_week between 1 and 100`),
    )
    .addColumn('auto_update_paused_at', 'timestamptz')
    .addColumn('auto_update_pause_reason', 'text')
    .execute();
  await db.schema.createIndex('operations_trigger_idx').on('operations').columns(['deployment_id', 'trigger', 'created_at']).execute();

  // Outgoing event webhooks. tenant_id null: an admin's subscription (every tenant, and mass upgrades).
  await db.schema
    .createTable('subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text')
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'jsonb', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('secret_key_id', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('subscriptions_tenant_idx').on('subscriptions').column('tenant_id').execute();

  // The outbox: one row per (subscription, event), written in the transaction that records the event.
  await db.schema
    .createTable('notification_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('subscriptions.id'))
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'delivered', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('notification_deliveries_due_idx')
    .on('notification_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('notification_deliveries_subscription_idx')
    .on('notification_deliveries')
    .columns(['subscription_id', 'created_at'])
    .execute();
  await db.schema
    .createTable('notification_attempts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('notification_deliveries.id'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('notification_attempts_delivery_idx').on('notification_attempts').column('delivery_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notification_attempts').ifExists().execute();
  await db.schema.dropTable('notification_deliveries').ifExists().execute();
  await db.schema.dropTable('subscriptions').ifExists().execute();
  await db.schema.dropIndex('operations_trigger_idx').ifExists().execute();
  await db.schema
    .alterTable('deployments')
    .dropColumn('auto_deploy')
    .dropColumn('auto_update_enabled')
    .dropColumn('auto_update_max_per_week')
    .dropColumn('auto_update_paused_at')
    .dropColumn('auto_update_pause_reason')
    .execute();
  await db.schema.dropTable('webhook_deliveries').ifExists().execute();
  await db.schema.alterTable('apps').dropColumn('webhook_secret').dropColumn('webhook_secret_key_id').execute();
}
