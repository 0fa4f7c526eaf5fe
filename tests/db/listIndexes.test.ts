import { createDb, type Db } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { insertApp, insertRelease } from '../../db/queries/apps';
import { deploymentsPageQuery, type DeploymentFilter } from '../../db/queries/deploymentList';
import { operationsPageQuery, type OperationFilter } from '../../db/queries/operationList';
import { seedDeployments, seedOperations } from '../helpers/fleetSeed';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase';

/** The filtered page queries, exactly as the API builds them, on a 10,000-deployment fleet. */
describe('list pages read indexes, never the whole table', () => {
  let database: TestDatabase;
  let db: Db;
  let appId: string;
  let otherAppId: string;
  const tenants = Array.from({ length: 100 }, (_, i) => `t${i}`);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    await migrateToLatest(db);
    appId = (await insertApp(db, { slug: 'hello', name: 'Hello' }))!.id;
    otherAppId = (await insertApp(db, { slug: 'other', name: 'Other' }))!.id;
    for (const v of ['1.0.0', '2.0.0'])
      await insertRelease(db, { appId, version: v, manifest: { services: [] }, artifactDigest: `sha256:${v}` });
    await seedDeployments(db, { appId, count: 9_000, tenants });
    await seedDeployments(db, { appId: otherAppId, count: 1_000, tenants, prefix: 'other' });
    await seedOperations(db, {});
    const n = await db
      .selectFrom('deployments')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(10_000);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const plan = async (q: { explain(): Promise<Record<string, unknown>[]> }) =>
    (await q.explain()).map((r) => String(Object.values(r)[0])).join('\n');
  const cursorKey = ['2026-11-01T00:05:00.000000Z', 'd-seed003000'];

  it.each<[string, Omit<DeploymentFilter, 'appId'> & { app?: boolean }, boolean]>([
    ['admin, no filter', { tenantId: null }, false],
    ['one tenant', { tenantId: 't7' }, false],
    ['one tenant, after a cursor', { tenantId: 't7' }, true],
    ['an app', { tenantId: null, app: true }, false],
    ['an app and a status', { tenantId: null, app: true, status: 'failed' }, false],
    ['a status, after a cursor', { tenantId: null, status: 'suspended' }, true],
    ['a serving version', { tenantId: null, servingVersion: '1.0.0' }, false],
    ['a strategy', { tenantId: null, strategy: 'canary' }, false],
    ['update available', { tenantId: null, updateAvailable: true }, false],
    ['an app with an update available', { tenantId: null, app: true, updateAvailable: true }, false],
    ['a tenant with an update available', { tenantId: 't3', updateAvailable: true }, false],
    [
      'a created range',
      { tenantId: null, createdAfter: new Date('2026-11-01T00:02:00Z'), createdBefore: new Date('2026-11-01T00:03:00Z') },
      false,
    ],
    ['updated after', { tenantId: null, updatedAfter: new Date('2026-11-01T03:00:00Z') }, false],
  ])('deployments: %s', async (_n, { app, ...f }, withCursor) => {
    const q = deploymentsPageQuery(db, { ...f, appId: app ? appId : undefined }, withCursor ? cursorKey : null).limit(101);
    const text = await plan(q);
    expect(text).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
    expect(text).not.toMatch(/Seq Scan on deployments/);
  });

  // A tenant's operations go through its deployments: with one operation per deployment here
  // Postgres rightly reads the 9,000 operations once instead of probing them 100 times; what
  // must never happen is a scan of the whole fleet's deployments.
  it.each<[string, OperationFilter, string[]]>([
    ['admin: failed since an hour', { tenantId: null, status: 'failed', since: new Date('2026-11-01T00:10:00Z') }, ['operations']],
    ['admin: everything', { tenantId: null }, ['operations']],
    ['a tenant: failed', { tenantId: 't5', status: 'failed' }, ['deployments']],
    ['one deployment', { tenantId: null, deploymentId: 'd-seed000042' }, ['operations']],
  ])('operations: %s', async (_n, f, indexed) => {
    const text = await plan(operationsPageQuery(db, f, null).limit(101));
    for (const table of indexed) expect(text).not.toMatch(new RegExp(`Seq Scan on ${table}`));
    expect(text).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
  });
});
