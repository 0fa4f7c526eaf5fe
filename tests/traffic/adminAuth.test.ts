import { createHttpRouterClient, RouterRequestError } from '../../traffic/builtin/httpRouterClient';
import type { RouteSpec } from '../../ports/traffic';
import { send, startTestRouter, startUpstream, type RouterHarness, type TestUpstream } from './httpFixtures';
import { rawStatus } from './rawHttp';

let harness: RouterHarness;
let tenantA: TestUpstream;
let tenantB: TestUpstream;

beforeEach(async () => {
  harness = await startTestRouter();
  tenantA = await startUpstream('A');
  tenantB = await startUpstream('B');
  await client(harness.adminSecret).setRoute(routeOf(tenantA));
});

afterEach(async () => {
  await harness.close();
  await tenantA.close();
  await tenantB.close();
});

const client = (adminSecret: string) => createHttpRouterClient({ adminUrl: harness.router.adminUrl, adminSecret });
const routeOf = (u: TestUpstream): RouteSpec => ({
  deploymentId: 'd-a',
  hostname: 'a.localhost',
  upstreams: [{ key: u.name, url: u.url, weight: 100 }],
  suspended: null,
});
const servedBy = async () => JSON.parse((await send(harness.router.proxyUrl, { host: 'a.localhost' })).body).name;

/** The attack of issue 9.2: a local process re-points tenant A's hostname at tenant B's app. */
const repoint = (headers: Record<string, string>) =>
  send(harness.router.adminUrl, {
    method: 'PUT',
    path: '/routes/d-a',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(routeOf(tenantB)),
  });

const flipLast = (s: string) => s.slice(0, -1) + (s.endsWith('x') ? 'y' : 'x');

test.each<[string, (secret: string) => Record<string, string>]>([
  ['no secret', () => ({})],
  ['a wrong secret', () => ({ authorization: 'Bearer not-the-secret' })],
  ['the secret with its last character changed', (secret) => ({ authorization: `Bearer ${flipLast(secret)}` })],
  ['the secret with one character more', (secret) => ({ authorization: `Bearer ${secret}x` })],
  ['the secret under a non-bearer scheme', (secret) => ({ authorization: `Basic ${secret}` })],
])('a PUT with %s cannot re-point a route: 401, and tenant A keeps its traffic', async (_name, headers) => {
  const res = await repoint(headers(harness.adminSecret));
  expect(res.status).toBe(401);
  expect(JSON.parse(res.body).code).toBe('unauthorized');
  expect(await servedBy()).toBe('A');
});

test('reads, deletes and metrics need the secret too; /healthz does not', async () => {
  for (const [method, path] of [
    ['GET', '/routes'],
    ['GET', '/routes/d-a'],
    ['GET', '/routes/d-a/stats'],
    ['DELETE', '/routes/d-a'],
    ['GET', '/metrics'],
  ]) {
    expect({ method, path, status: (await send(harness.router.adminUrl, { method, path })).status }).toEqual({ method, path, status: 401 });
  }
  expect(await servedBy()).toBe('A');
  expect((await send(harness.router.adminUrl, { path: '/healthz' })).status).toBe(200);
});

test('the right secret re-points the route', async () => {
  expect((await repoint({ authorization: `Bearer ${harness.adminSecret}` })).status).toBe(200);
  expect(await servedBy()).toBe('B');
});

test.each(['evil.example', 'evil.example:8081', 'a.localhost.evil.example', '10.0.0.1'])(
  'Host %s is refused with 403 even with the secret (DNS rebinding)',
  async (host) => {
    const res = await repoint({ host, authorization: `Bearer ${harness.adminSecret}` });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).code).toBe('host_not_allowed');
    expect(await servedBy()).toBe('A');
    expect((await send(harness.router.adminUrl, { host, path: '/healthz' })).status).toBe(403);
  },
);

test.each(['localhost', '127.0.0.1', 'LOCALHOST:1234'])('loopback Host %s is accepted', async (host) => {
  const res = await send(harness.router.adminUrl, {
    host,
    path: '/routes/d-a',
    headers: { authorization: `Bearer ${harness.adminSecret}` },
  });
  expect(res.status).toBe(200);
});

test('two Host headers at the admin API are a 400', async () => {
  const port = new URL(harness.router.adminUrl).port;
  const status = await rawStatus(
    harness.router.adminUrl,
    `GET /routes/d-a HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHost: evil.example\r\nAuthorization: Bearer ${harness.adminSecret}\r\nConnection: close\r\n\r\n`,
  );
  expect(status).toBe(400);
});

test('the client names a refused secret in its error', async () => {
  const err = await client('wrong-secret-of-enough-length')
    .setRoute(routeOf(tenantB))
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RouterRequestError);
  expect((err as RouterRequestError).status).toBe(401);
  expect(await servedBy()).toBe('A');
});
