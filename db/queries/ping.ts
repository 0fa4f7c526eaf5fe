import { sql } from 'kysely';
import type { DbOrTrx } from '../database';

/** Throws when Postgres does not answer; /readyz reports that. */
export async function pingDatabase(db: DbOrTrx): Promise<void> {
  await sql`select 1`.execute(db);
}
