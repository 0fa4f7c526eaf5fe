import { apiClient } from '../helpers/apiClient';
import type { Api } from '../helpers/hello';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { withStack } from '../helpers/withStack';

describe('Admin token management', () => {
  let s: SlipwayStack;
  let admin: Api;

  withStack((stack, a) => {
    s = stack;
    admin = a;
  });

  it('creates a tenant token shown once, lists tokens without secrets, and revokes it', async () => {
    const created = await admin('POST', '/api/admin/tokens', { name: 'acme-ci', role: 'tenant', tenantId: 'acme' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      token: expect.stringMatching(/^slw_tnt_/),
      name: 'acme-ci',
      role: 'tenant',
      tenantId: 'acme',
      revokedAt: null,
    });
    const acme = apiClient(s.apiUrl, created.body.token);
    expect((await acme('GET', '/api/deployments')).status).toBe(200);
    expect((await acme('GET', '/api/admin/tokens')).status).toBe(403);
    expect((await acme('POST', '/api/admin/tokens', { name: 'x', role: 'admin' })).status).toBe(403);

    const list = await admin('GET', '/api/admin/tokens');
    expect(list.status).toBe(200);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(created.body.token);
    expect(text).not.toMatch(/hash/i);
    expect(list.body.tokens.map((t: { name: string }) => t.name)).toEqual(['test-admin', 'acme-ci']);

    const revoked = await admin('DELETE', `/api/admin/tokens/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expect((await acme('GET', '/api/deployments')).status).toBe(401);
    // Revoking again is harmless; an unknown id is a 404.
    expect((await admin('DELETE', `/api/admin/tokens/${created.body.id}`)).status).toBe(200);
    expect((await admin('DELETE', '/api/admin/tokens/999999')).status).toBe(404);
    expect((await admin('DELETE', '/api/admin/tokens/abc')).status).toBe(400);
  });

  it('validates the body: tenant tokens need a tenantId, admin tokens must not have one', async () => {
    const a = await admin('POST', '/api/admin/tokens', { name: 'x', role: 'tenant' });
    expect(a.status).toBe(400);
    expect(a.body.fields[0].field).toBe('body.tenantId');
    expect((await admin('POST', '/api/admin/tokens', { name: 'x', role: 'admin', tenantId: 'acme' })).status).toBe(400);
    expect((await admin('POST', '/api/admin/tokens', { name: '', role: 'admin' })).status).toBe(400);
  });

  it('never revokes the last admin token', async () => {
    const list = (await admin('GET', '/api/admin/tokens')).body.tokens;
    const self = list.find((t: { name: string }) => t.name === 'test-admin');
    const r = await admin('DELETE', `/api/admin/tokens/${self.id}`);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('last_admin_token');
  });

  it('does not keep or replay the plain token for a repeated create with the same Idempotency-Key', async () => {
    const first = await admin('POST', '/api/admin/tokens', { name: 'ops', role: 'admin' }, { 'Idempotency-Key': 'tok-1' });
    expect(first.body.token).toMatch(/^slw_adm_/);
    const again = await admin('POST', '/api/admin/tokens', { name: 'ops', role: 'admin' }, { 'Idempotency-Key': 'tok-1' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual({ ...first.body, token: null });
    const stored = await s.db.selectFrom('idempotency_keys').select('response').where('key', '=', 'tok-1').executeTakeFirstOrThrow();
    expect(JSON.stringify(stored.response)).not.toContain(first.body.token);
    expect((await admin('GET', '/api/admin/tokens')).body.tokens.filter((t: { name: string }) => t.name === 'ops')).toHaveLength(1);
  });
});
