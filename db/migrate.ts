import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as initial from './migrations/20261121T000000_initial';
import * as lifecycle from './migrations/20261121T010000_lifecycle';
import * as fleet from './migrations/20261121T020000_fleet';
import * as secretEnvKeyId from './migrations/20261201T000000_secret_env_key_id';
import * as listIndexes from './migrations/20261201T010000_list_indexes';
import * as images from './migrations/20261202T000000_images';

/** Listed in code rather than read from disk so the same list works under tsx, jest and tsc output. */
const MIGRATIONS: Record<string, Migration> = {
  '20261121T000000_initial': initial,
  '20261121T010000_lifecycle': lifecycle,
  '20261121T020000_fleet': fleet,
  '20261201T000000_secret_env_key_id': secretEnvKeyId,
  '20261201T010000_list_indexes': listIndexes,
  '20261202T000000_images': images,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
