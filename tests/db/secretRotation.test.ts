import { randomBytes } from 'node:crypto';
import { createDb, type Db } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { insertApp } from '../../db/queries/apps';
import { insertDeployment } from '../../db/queries/deployments';
import { listEnvVars, reencryptSecretEnvVars, upsertTenantEnvVars } from '../../db/queries/envVars';
import { SecretCipher, SecretKeyError } from '../../db/secretCipher';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase';

describe('re-encrypting secret env values after a key rotation', () => {
  let database: TestDatabase;
  let db: Db;
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    await migrateToLatest(db);
    const app = (await insertApp(db, { slug: 'a', name: 'a' }))!;
    for (const id of ['d-1', 'd-2', 'd-3']) {
      await insertDeployment(db, {
        id,
        tenant_id: 't',
        app_id: app.id,
        name: id,
        hostname: `${id}.localhost`,
        release_version: '1.0.0',
        status: 'running',
        strategy: 'blue_green',
      });
    }
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  it('moves old-key and pre-encryption plaintext secrets to the new key, in batches, leaving plain values alone', async () => {
    const before = new SecretCipher(oldKey);
    await upsertTenantEnvVars(db, before, 'd-1', { A: 'alpha', B: 'beta', PLAIN: 'p' }, new Set(['A', 'B']));
    await upsertTenantEnvVars(db, before, 'd-2', { C: 'gamma' }, new Set(['C']));
    // A secret stored before encryption existed: plaintext, no key id.
    await db
      .insertInto('deployment_env_vars')
      .values({ deployment_id: 'd-3', key: 'LEGACY', value: 'delta', source: 'tenant', secret: true })
      .execute();

    const after = new SecretCipher(newKey, [oldKey]);
    expect(await reencryptSecretEnvVars(db, after, 2)).toEqual({ reencrypted: 4, unreadable: [] });
    expect(await reencryptSecretEnvVars(db, after, 2)).toEqual({ reencrypted: 0, unreadable: [] });

    const stored = await db.selectFrom('deployment_env_vars').selectAll().orderBy('deployment_id').orderBy('key').execute();
    expect(stored.filter((r) => r.secret).map((r) => r.key_id)).toEqual(Array(4).fill(after.keyId));
    expect(stored.find((r) => r.key === 'PLAIN')).toMatchObject({ value: 'p', key_id: null });
    expect(JSON.stringify(stored)).not.toMatch(/alpha|beta|gamma|delta/);

    // The old key can go now: the new one alone reads everything.
    const onlyNew = new SecretCipher(newKey);
    const values = async (id: string) => Object.fromEntries((await listEnvVars(db, onlyNew, id)).map((r) => [r.key, r.value]));
    expect(await values('d-1')).toEqual({ A: 'alpha', B: 'beta', PLAIN: 'p' });
    expect(await values('d-2')).toEqual({ C: 'gamma' });
    expect(await values('d-3')).toEqual({ LEGACY: 'delta' });
    await expect(listEnvVars(db, before, 'd-1')).rejects.toThrow(SecretKeyError);
  });

  it('reports values under a key it does not have and leaves them untouched', async () => {
    const stranger = new SecretCipher(randomBytes(32));
    await upsertTenantEnvVars(db, stranger, 'd-2', { LOST: 'x' }, new Set(['LOST']));
    const result = await reencryptSecretEnvVars(db, new SecretCipher(newKey));
    expect(result).toEqual({ reencrypted: 0, unreadable: [{ deploymentId: 'd-2', key: 'LOST', keyId: stranger.keyId }] });
  });
});
