import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiClient } from '../helpers/apiClient';
import { useHelloStack } from '../helpers/helloStack';

const releaseV1 = () => JSON.parse(readFileSync(path.join(__dirname, '../../examples/hello-app/release-v1.json'), 'utf8'));

describe('API answers bad input with 4xx naming the field, and starts nothing', () => {
  const h = useHelloStack(() => [releaseV1()]);

  const operationsCount = async () =>
    Number(
      (
        await h.s.db
          .selectFrom('operations')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('rejects requests without a valid token', async () => {
    const anon = apiClient(h.s.apiUrl);
    expect((await anon('GET', '/api/deployments')).status).toBe(401);
    const forged = apiClient(h.s.apiUrl, 'slw_adm_forged');
    const r = await forged('GET', '/api/deployments');
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ code: 'unauthorized', message: expect.stringContaining('Bearer') });
    expect((await anon('GET', '/healthz')).status).toBe(200);
  });

  it('keeps app and release management to admins', async () => {
    expect((await h.tenant('POST', '/api/apps', { slug: 'mine' })).status).toBe(403);
    expect((await h.tenant('POST', '/api/apps/hello/releases', { ...releaseV1(), version: '9.9.9' })).status).toBe(403);
  });

  it.each<[string, (b: any) => void, string]>([
    ['a command that is empty', (b) => (b.manifest.services[0].command = []), 'body.manifest.services.0.command'],
    ['a readiness path without /', (b) => (b.manifest.services[0].readiness.path = 'healthz'), 'body.manifest.services.0.readiness.path'],
    ['an env name in lower case', (b) => (b.manifest.env = { greeting: {} }), 'body.manifest.env.greeting'],
    ['a version with spaces', (b) => (b.version = '1 0'), 'body.version'],
    ['no artifact', (b) => delete b.artifact, 'body.artifact'],
    ['an artifact path that is no directory', (b) => (b.artifact.path = '/nonexistent/dir'), 'body.artifact.path'],
  ])('rejects a release with %s (400, field %s)', async (_n, mutate, field) => {
    const body = { ...releaseV1(), version: '3.0.0' };
    mutate(body);
    const r = await h.admin('POST', '/api/apps/hello/releases', body);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('bad_request');
    expect(r.body.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect((await h.admin('GET', '/api/apps/hello/releases')).body.releases.map((x: { version: string }) => x.version)).toEqual(['1.0.0']);
  });

  it('refuses to overwrite a release (immutable), with 409', async () => {
    const r = await h.admin('POST', '/api/apps/hello/releases', releaseV1());
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('release_exists');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown app', { app: 'nope' }, 'body.app'],
    ['an unknown version', { app: 'hello', version: '7.7.7' }, 'body.version'],
    ['a reserved env name', { app: 'hello', env: { SLIPWAY_DEPLOYMENT_ID: 'x' } }, 'body.env.SLIPWAY_DEPLOYMENT_ID'],
    ['an env name with a dash', { app: 'hello', env: { 'A-B': 'x' } }, 'body.env.A-B'],
    ['an unsupported strategy', { app: 'hello', strategy: 'yolo' }, 'body.strategy'],
    ['an unknown field', { app: 'hello', colour: 'blue' }, 'body'],
    ['a non-string env value', { app: 'hello', env: { A: 1 } }, 'body.env.A'],
  ])('rejects a deployment with %s (400, field %s) and starts no operation', async (_n, body, field) => {
    const before = await operationsCount();
    const r = await h.tenant('POST', '/api/deployments', body);
    expect(r.status).toBe(400);
    expect(r.body.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(await operationsCount()).toBe(before);
  });

  it('requires admins to name the tenant and forbids tenants from naming another', async () => {
    const a = await h.admin('POST', '/api/deployments', { app: 'hello' });
    expect(a.status).toBe(400);
    expect(a.body.fields).toEqual([{ field: 'body.tenantId', message: expect.any(String) }]);
    expect((await h.tenant('POST', '/api/deployments', { app: 'hello', tenantId: 'globex' })).status).toBe(403);
  });

  it('answers malformed JSON and unknown ids cleanly, without a stack trace', async () => {
    const res = await fetch(new URL('/api/deployments', h.s.apiUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${h.s.adminToken}`, 'content-type': 'application/json' },
      body: '{"app":',
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    expect((await h.tenant('GET', '/api/deployments/d-doesnotexist')).status).toBe(404);
    expect((await h.tenant('GET', '/api/deployments/not-an-id')).status).toBe(400);
    expect((await h.tenant('GET', '/api/nowhere')).status).toBe(404);
  });

  it('answers an over-long path parameter or an undecodable path with 400 naming the params, and starts nothing', async () => {
    const before = await operationsCount();
    const long = await h.tenant('POST', `/api/deployments/d-${'x'.repeat(300)}/destroy`, { confirm: 'x' });
    expect([long.status, long.body.code, long.body.fields[0].field]).toEqual([400, 'bad_request', 'params']);
    const undecodable = await h.tenant('GET', '/api/deployments/%E0%A4%A');
    expect([undecodable.status, undecodable.body.fields[0].field]).toEqual([400, 'params']);
    expect(await operationsCount()).toBe(before);
  });
});
