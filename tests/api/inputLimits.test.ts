import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { INPUT_LIMITS } from '../../domain/inputLimits';
import { useHelloStack } from '../helpers/helloStack';

const releaseV1 = () => JSON.parse(readFileSync(path.join(__dirname, '../../examples/hello-app/release-v1.json'), 'utf8'));

/** A raw request: fetch can neither repeat a header nor send bytes that are not UTF-8 as they are. */
function rawPost(url: string, p: string, headers: [string, string][], body: Buffer): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const u = new URL(p, url);
    const all = [['host', u.host], ...headers, ['content-length', String(body.length)]].flat();
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: all }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('input limits (issue 9): 400 naming the field, nothing created', () => {
  const h = useHelloStack(() => [releaseV1()]);

  const count = async (table: 'apps' | 'releases' | 'deployments' | 'operations' | 'api_tokens' | 'idempotency_keys') =>
    Number(
      (
        await h.s.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const counts = async () => Promise.all((['apps', 'releases', 'deployments', 'operations', 'api_tokens'] as const).map(count));
  const fields = (body: any): string[] => body.fields.map((f: { field: string }) => f.field);

  const NUL = 'a\u0000b';
  it.each<[string, () => Promise<{ status: number; body: any }>, string]>([
    ['an app name', () => h.admin('POST', '/api/apps', { slug: 'nul-app', name: NUL }), 'body.name'],
    ['a token name', () => h.admin('POST', '/api/admin/tokens', { name: NUL, role: 'tenant', tenantId: 'acme' }), 'body.name'],
    ['an env value', () => h.tenant('POST', '/api/deployments', { app: 'hello', env: { GREETING: NUL } }), 'body.env.GREETING'],
    ['an env name', () => h.tenant('POST', '/api/deployments', { app: 'hello', env: { [NUL]: 'x' } }), 'body.env'],
    [
      'a command',
      () => {
        const r = { ...releaseV1(), version: '5.0.0' };
        r.manifest.services[0].command = ['node', NUL];
        return h.admin('POST', '/api/apps/hello/releases', r);
      },
      'body.manifest.services.0.command.1',
    ],
  ])('a NUL character in %s → 400 naming %s', async (_what, send, field) => {
    const before = await counts();
    const r = await send();
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('bad_request');
    expect(fields(r.body)).toEqual([field]);
    expect(await counts()).toEqual(before);
  });

  it(`more than ${INPUT_LIMITS.envKeys} env keys, or too many characters of values together → 400 body.env`, async () => {
    const before = await counts();
    const many = Object.fromEntries(Array.from({ length: INPUT_LIMITS.envKeys + 1 }, (_, i) => [`K${i}`, 'v']));
    const tooMany = await h.tenant('POST', '/api/deployments', { app: 'hello', env: { GREETING: 'x', ...many } });
    expect(tooMany.status).toBe(400);
    expect(fields(tooMany.body)).toEqual(['body.env']);

    const big = 'x'.repeat(INPUT_LIMITS.envValueChars);
    const n = Math.ceil(INPUT_LIMITS.envTotalChars / INPUT_LIMITS.envValueChars) + 1;
    const large = Object.fromEntries(Array.from({ length: n }, (_, i) => [`V${i}`, big]));
    const tooLarge = await h.tenant('POST', '/api/deployments', { app: 'hello', env: { GREETING: 'x', ...large } });
    expect(tooLarge.status).toBe(400);
    expect(fields(tooLarge.body)).toEqual(['body.env']);

    const oneTooLong = await h.tenant('POST', '/api/deployments', { app: 'hello', env: { GREETING: `${big}x` } });
    expect(oneTooLong.status).toBe(400);
    expect(fields(oneTooLong.body)).toEqual(['body.env.GREETING']);
    expect(await counts()).toEqual(before);
  });

  it('a body nested 5,000 levels deep with an Idempotency-Key → 400, and the API keeps answering', async () => {
    const before = await counts();
    const keysBefore = await count('idempotency_keys');
    const deep = `{"app":"hello","env":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await fetch(new URL('/api/deployments', h.s.apiUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${h.s.adminToken}`, 'content-type': 'application/json', 'idempotency-key': 'deep-1' },
      body: deep,
    });
    expect(res.status).toBe(400);
    const body: any = await res.json();
    expect(body.code).toBe('bad_request');
    expect(body.fields[0].field).toMatch(/^body\.env(\.0)+$/);
    expect(await counts()).toEqual(before);
    expect(await count('idempotency_keys')).toBe(keysBefore);
    expect((await h.admin('GET', '/api/apps')).status).toBe(200);
  });

  it('two Idempotency-Key headers → 400 (not one key "k1, k2"), nothing created', async () => {
    const before = await counts();
    const r = await rawPost(
      h.s.apiUrl,
      '/api/apps',
      [
        ['authorization', `Bearer ${h.s.adminToken}`],
        ['content-type', 'application/json'],
        ['idempotency-key', 'k1'],
        ['idempotency-key', 'k2'],
      ],
      Buffer.from(JSON.stringify({ slug: 'twice-keyed' })),
    );
    expect(r.status).toBe(400);
    expect(fields(r.body)).toEqual(['headers.idempotency-key']);
    expect(await counts()).toEqual(before);
  });

  it('invalid UTF-8 in a JSON body → 400 (not silently U+FFFD), nothing created', async () => {
    const before = await counts();
    const body = Buffer.concat([Buffer.from('{"slug":"bad-utf","name":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const r = await rawPost(
      h.s.apiUrl,
      '/api/apps',
      [
        ['authorization', `Bearer ${h.s.adminToken}`],
        ['content-type', 'application/json'],
      ],
      body,
    );
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'bad_request', fields: [{ field: 'body', message: 'not valid UTF-8' }] });
    expect(await counts()).toEqual(before);
  });
});
