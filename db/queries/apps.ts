import type { DbOrTrx } from '../database';
import type { App, Release } from '../schema';

export async function insertApp(db: DbOrTrx, app: { slug: string; name: string }): Promise<App | null> {
  const row = await db
    .insertInto('apps')
    .values(app)
    .onConflict((oc) => oc.column('slug').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

export function listApps(db: DbOrTrx): Promise<App[]> {
  return db.selectFrom('apps').selectAll().orderBy('slug').execute();
}

export async function findAppSlug(db: DbOrTrx, appId: string): Promise<string> {
  return (await db.selectFrom('apps').select('slug').where('id', '=', appId).executeTakeFirstOrThrow()).slug;
}

export async function findAppBySlug(db: DbOrTrx, slug: string): Promise<App | null> {
  return (await db.selectFrom('apps').selectAll().where('slug', '=', slug).executeTakeFirst()) ?? null;
}

export async function insertRelease(
  db: DbOrTrx,
  r: { appId: string; version: string; manifest: unknown; artifactDigest: string | null },
): Promise<Release | null> {
  const row = await db
    .insertInto('releases')
    .values({ app_id: r.appId, version: r.version, manifest: JSON.stringify(r.manifest), artifact_digest: r.artifactDigest })
    .onConflict((oc) => oc.columns(['app_id', 'version']).doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

export async function findRelease(db: DbOrTrx, appId: string, version: string): Promise<Release | null> {
  return (
    (await db.selectFrom('releases').selectAll().where('app_id', '=', appId).where('version', '=', version).executeTakeFirst()) ?? null
  );
}

/** The app's newest active release: the default upgrade target and "update available". */
export async function latestActiveRelease(db: DbOrTrx, appId: string): Promise<Release | null> {
  return (
    (await db
      .selectFrom('releases')
      .selectAll()
      .where('app_id', '=', appId)
      .where('status', '=', 'active')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()) ?? null
  );
}
