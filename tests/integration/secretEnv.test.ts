import { randomBytes } from 'node:crypto';
import { listEnvVars } from '../../db/queries/envVars';
import { SecretCipher, SecretKeyError } from '../../db/secretCipher';
import { answer, deployHello, helloRelease, runOperation, type Api } from '../helpers/hello';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { withStack } from '../helpers/withStack';

describe('secret env values are encrypted at rest', () => {
  let s: SlipwayStack;
  let admin: Api;

  withStack(async (stack, a) => {
    s = stack;
    admin = a;
    await admin('POST', '/api/apps', { slug: 'hello' });
    await admin('POST', '/api/apps/hello/releases', helloRelease(2));
  });

  const rows = (deploymentId: string) =>
    s.db.selectFrom('deployment_env_vars').selectAll().where('deployment_id', '=', deploymentId).orderBy('key').execute();

  it('stores no plaintext in Postgres, while the app receives the plain value', async () => {
    const greeting = `secret-greeting-${randomBytes(6).toString('hex')}`;
    const d = await deployHello(admin, { tenantId: 'acme', env: { GREETING: greeting, LOG_FORMAT: 'text' }, secretEnv: ['GREETING'] });
    expect((await answer(s, d.hostname)).json.greeting).toBe(greeting);

    const stored = await rows(d.id);
    const byKey = Object.fromEntries(stored.map((r) => [r.key, r]));
    // The tenant's secret and the generated one are ciphertext under the stack's key; the plain variable is plain.
    for (const key of ['GREETING', 'SESSION_SECRET']) expect(byKey[key]).toMatchObject({ secret: true, key_id: s.secrets.keyId });
    expect(byKey.LOG_FORMAT).toMatchObject({ secret: false, key_id: null, value: 'text' });
    const dump = JSON.stringify(stored);
    expect(dump).not.toContain(greeting);
    const plain = await listEnvVars(s.db, s.secrets, d.id);
    const session = plain.find((r) => r.key === 'SESSION_SECRET')!.value;
    expect(session).toMatch(/^[0-9a-f]{32}$/);
    expect(dump).not.toContain(session);
    // Not even the same ciphertext twice: every seal has its own IV.
    expect(byKey.GREETING.value).not.toBe(s.secrets.seal(greeting, `deployment_env_vars/${d.id}/GREETING`).value);

    // PUT /env seals too, and the restarted app gets the new plain value.
    const changed = `changed-${randomBytes(6).toString('hex')}`;
    const op = await runOperation(admin, 'PUT', `/api/deployments/${d.id}/env`, { env: { GREETING: changed } });
    expect(op.status).toBe('succeeded');
    expect((await answer(s, d.hostname)).json.greeting).toBe(changed);
    expect(JSON.stringify(await rows(d.id))).not.toContain(changed);
  });

  it('a value under another key fails loudly: the read throws a named error and an operation fails with SecretKeyMismatch, the old revision serving on', async () => {
    const d = await deployHello(admin, { tenantId: 'globex', env: { GREETING: 'kept' }, secretEnv: ['GREETING'] });
    const stranger = new SecretCipher(randomBytes(32));
    await expect(listEnvVars(s.db, stranger, d.id)).rejects.toThrow(SecretKeyError);
    await expect(listEnvVars(s.db, stranger, d.id)).rejects.toThrow(/key id [0-9a-f]{16}.*SLIPWAY_SECRET_KEY/);

    // As if the row had been written by an installation with another key.
    const foreign = stranger.seal('never-shown', `deployment_env_vars/${d.id}/GREETING`);
    await s.db
      .updateTable('deployment_env_vars')
      .set({ value: foreign.value, key_id: foreign.keyId })
      .where('deployment_id', '=', d.id)
      .where('key', '=', 'GREETING')
      .execute();
    const op = await runOperation(admin, 'POST', `/api/deployments/${d.id}/restart`);
    expect(op.status).toBe('failed');
    expect(op.error.type).toBe('SecretKeyMismatch');
    expect(op.error.message).toContain('SLIPWAY_SECRET_KEY');
    expect(op.error.message).not.toContain('never-shown');
    expect((await answer(s, d.hostname)).json.greeting).toBe('kept');
  });
});
