import type { Kysely } from 'kysely';

// Frozen in time: this file imports nothing from the application.

export async function up(db: Kysely<any>): Promise<void> {
  // Secret env values are stored AES-256-GCM encrypted; key_id names the key. Null means a
  // value written before encryption: the worker re-encrypts those at its next start.
  await db.schema.alterTable('deployment_env_vars').addColumn('key_id', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deployment_env_vars').dropColumn('key_id').execute();
}
