import { createDb, type Db } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { createToken, isTokenActive, listTokens, revokeToken } from '../../db/queries/tokens';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase';

describe('revokeToken never leaves the API without an admin token', () => {
  let database: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, { max: 10 });
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  it('revoking every admin token at once revokes all but one; the last is refused', async () => {
    const admins = await Promise.all(
      Array.from({ length: 6 }, (_, i) => createToken(db, { name: `admin-${i}`, role: 'admin', tenantId: null })),
    );
    const results = await Promise.all(admins.map((a) => revokeToken(db, String(a.row.id))));
    expect(results.filter((r) => r.kind === 'revoked')).toHaveLength(5);
    expect(results.filter((r) => r.kind === 'last_admin')).toHaveLength(1);
    const active = (await listTokens(db)).filter((t) => t.role === 'admin' && !t.revoked_at);
    expect(active).toHaveLength(1);
    expect(await isTokenActive(db, String(active[0].id))).toBe(true);
  });

  it('tenant tokens are revoked whatever the admin count; a revoked or unknown token answers as such', async () => {
    const tenant = await createToken(db, { name: 'acme', role: 'tenant', tenantId: 'acme' });
    const first = await revokeToken(db, String(tenant.row.id));
    expect(first).toMatchObject({ kind: 'revoked', row: { revoked_at: expect.any(Date) } });
    expect(await isTokenActive(db, String(tenant.row.id))).toBe(false);
    expect(await revokeToken(db, String(tenant.row.id))).toMatchObject({ kind: 'revoked' });
    expect(await revokeToken(db, '999999')).toEqual({ kind: 'not_found' });
  });
});
