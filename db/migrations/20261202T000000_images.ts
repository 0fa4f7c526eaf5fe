import { Kysely } from 'kysely';

// Frozen in time: this file imports nothing from the application.

// A release whose services are all images has no artifact. The immutability trigger already
// compares artifact_digest with `is distinct from`, so a null stays as fixed as a digest.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('releases')
    .alterColumn('artifact_digest', (c) => c.dropNotNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('releases').where('artifact_digest', 'is', null).execute();
  await db.schema
    .alterTable('releases')
    .alterColumn('artifact_digest', (c) => c.setNotNull())
    .execute();
}
