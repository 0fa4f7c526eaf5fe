import type { Kysely } from 'kysely';

// Frozen in time: this file imports nothing from the application.

export async function up(db: Kysely<any>): Promise<void> {
  // While an upgrade awaits manual promotion: when its preview times out (and aborts).
  await db.schema.alterTable('deployments').addColumn('preview_expires_at', 'timestamptz').execute();
  // A scale operation's target replica count (null for every other kind); a retry carries it on.
  await db.schema.alterTable('operations').addColumn('replicas', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('operations').dropColumn('replicas').execute();
  await db.schema.alterTable('deployments').dropColumn('preview_expires_at').execute();
}
