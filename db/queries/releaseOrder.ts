import type { DbOrTrx } from '../database';
import type { Manifest } from '../../domain/manifest';

/** Every release of an app in the order it was published (oldest first), with the manifest's migration. */
export async function releaseMigrations(db: DbOrTrx, appId: string): Promise<{ version: string; migration?: Manifest['migration'] }[]> {
  const rows = await db
    .selectFrom('releases')
    .select(['version', 'manifest'])
    .where('app_id', '=', appId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ version: r.version, migration: r.manifest.migration }));
}
