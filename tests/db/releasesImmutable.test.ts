import { sql } from 'kysely';
import { createDb, type Db } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { insertApp, insertRelease } from '../../db/queries/apps';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase';

describe('releases are immutable in the database itself', () => {
  let database: TestDatabase;
  let db: Db;
  let releaseId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    expect(await migrateToLatest(db)).toEqual([
      '20261121T000000_initial',
      '20261121T010000_lifecycle',
      '20261121T020000_fleet',
      '20261201T000000_secret_env_key_id',
      '20261201T010000_list_indexes',
      '20261202T000000_images',
      '20261202T010000_preview_scale_release',
      '20261202T020000_webhooks_autoupdate_notifications',
    ]);
    expect(await migrateToLatest(db)).toEqual([]);
    const app = await insertApp(db, { slug: 'hello', name: 'Hello' });
    const rel = await insertRelease(db, { appId: app!.id, version: '1.0.0', manifest: { services: [] }, artifactDigest: 'sha256:aa' });
    releaseId = rel!.id;
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  it.each([
    ['version', sql`update releases set version = '1.0.1' where id = ${'ID'}`],
    ['manifest', sql`update releases set manifest = '{"services":[1]}' where id = ${'ID'}`],
    ['artifact digest', sql`update releases set artifact_digest = 'sha256:bb' where id = ${'ID'}`],
  ])('refuses to change the %s', async (_what) => {
    const column = _what === 'version' ? 'version' : _what === 'manifest' ? 'manifest' : 'artifact_digest';
    const value = column === 'manifest' ? JSON.stringify({ services: [1] }) : 'changed';
    await expect(
      db
        .updateTable('releases')
        .set({ [column]: value } as never)
        .where('id', '=', releaseId)
        .execute(),
    ).rejects.toThrow(/immutable/);
    const row = await db.selectFrom('releases').selectAll().where('id', '=', releaseId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ version: '1.0.0', artifact_digest: 'sha256:aa' });
  });

  it('allows yanking a release (status is not part of what it runs)', async () => {
    await db.updateTable('releases').set({ status: 'yanked' }).where('id', '=', releaseId).execute();
    expect((await db.selectFrom('releases').select('status').where('id', '=', releaseId).executeTakeFirstOrThrow()).status).toBe('yanked');
  });

  it('refuses a second release with the same version', async () => {
    const app = await db.selectFrom('apps').select('id').executeTakeFirstOrThrow();
    expect(await insertRelease(db, { appId: app.id, version: '1.0.0', manifest: {}, artifactDigest: 'sha256:cc' })).toBeNull();
  });

  it('keeps an image-only release without an artifact just as fixed: no digest can be added later', async () => {
    const app = await db.selectFrom('apps').select('id').executeTakeFirstOrThrow();
    const rel = await insertRelease(db, { appId: app.id, version: '2.0.0', manifest: {}, artifactDigest: null });
    expect(rel?.artifact_digest).toBeNull();
    await expect(db.updateTable('releases').set({ artifact_digest: 'sha256:dd' }).where('id', '=', rel!.id).execute()).rejects.toThrow(
      /immutable/,
    );
  });
});
