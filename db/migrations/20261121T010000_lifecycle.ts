import { Kysely, sql } from 'kysely';

// Frozen in time: this file imports nothing from the application.

export async function up(db: Kysely<any>): Promise<void> {
  // A retry re-runs the phases of the operation it retries, reusing its revision keys.
  await db.schema
    .alterTable('operations')
    .addColumn('retry_of', 'text', (c) => c.references('operations.id'))
    .execute();
  // The operation a repeated request (same Idempotency-Key) must map to.
  await db.schema.alterTable('operations').addColumn('idempotency_key', 'text').execute();

  // Which operation made a revision warm: only that operation's retirement timer may stop it,
  // so an older timer never cuts a newer rollback window short.
  await db.schema.alterTable('revisions').addColumn('retire_token', 'text').execute();

  // A repeated POST with the same Idempotency-Key gets the first answer back.
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('token_id', 'bigint', (c) => c.notNull().references('api_tokens.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('response', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['token_id', 'key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').ifExists().execute();
  await db.schema.alterTable('revisions').dropColumn('retire_token').execute();
  await db.schema.alterTable('operations').dropColumn('idempotency_key').execute();
  await db.schema.alterTable('operations').dropColumn('retry_of').execute();
}
