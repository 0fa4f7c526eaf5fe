import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { createHttpRouterClient, RouterRequestError } from '../../traffic/builtin/httpRouterClient';
import { createRouteStore, RouteStoreError } from '../../traffic/builtin/routeStore';
import type { RouteSpec, TrafficRouter } from '../../ports/traffic';
import { send, startTestRouter, startUpstream, type RouterHarness, type TestUpstream } from './httpFixtures';

let harness: RouterHarness;
let client: TrafficRouter;
let a: TestUpstream;

beforeEach(async () => {
  harness = await startTestRouter();
  client = createHttpRouterClient({ adminUrl: harness.router.adminUrl, adminSecret: harness.adminSecret });
  a = await startUpstream('A');
});

afterEach(async () => {
  await harness.close();
  await a.close();
});

const route = (over: Partial<RouteSpec> = {}): RouteSpec => ({
  deploymentId: 'd-abc',
  hostname: 'd-abc.localhost',
  upstreams: [{ key: 'A', url: a.url, weight: 100 }],
  suspended: null,
  ...over,
});

const putRaw = (id: string, body: string) =>
  fetch(`${harness.router.adminUrl}/routes/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${harness.adminSecret}` },
    body,
  });

test.each([
  ['negative weight', { upstreams: [{ key: 'A', url: 'http://127.0.0.1:1', weight: -1 }] }, 'upstreams.0.weight'],
  ['non-http upstream url', { upstreams: [{ key: 'A', url: 'ftp://x', weight: 1 }] }, 'upstreams.0.url'],
  ['hostname with a port', { hostname: 'd-abc.localhost:80' }, 'hostname'],
  [
    'duplicate upstream keys',
    {
      upstreams: [
        { key: 'A', url: 'http://127.0.0.1:1', weight: 1 },
        { key: 'A', url: 'http://127.0.0.1:2', weight: 1 },
      ],
    },
    'upstreams',
  ],
  ['deploymentId differs from the path', { deploymentId: 'd-other' }, 'deploymentId'],
])('PUT with %s answers 400 naming the field', async (_name, over, field) => {
  const res = await putRaw('d-abc', JSON.stringify({ ...route(), ...over }));
  expect(res.status).toBe(400);
  const body = (await res.json()) as { code: string; fields: { field: string }[] };
  expect(body.code).toBe('invalid_request');
  expect(body.fields.map((f) => f.field)).toContain(field);
  expect(await client.getRoute('d-abc')).toBeNull();
});

test('PUT with malformed JSON answers 400 invalid_json', async () => {
  const res = await putRaw('d-abc', '{nope');
  expect(res.status).toBe(400);
  expect(((await res.json()) as { code: string }).code).toBe('invalid_json');
});

test('set, get, stats, remove round-trip through the client; remove is idempotent', async () => {
  expect(await client.getRoute('d-abc')).toBeNull();
  expect(await client.stats('d-abc')).toBeNull();
  await client.setRoute(route());
  await client.setRoute(route()); // a retried activity converges
  expect(await client.getRoute('d-abc')).toEqual(route());
  expect(await client.stats('d-abc')).toMatchObject({
    deploymentId: 'd-abc',
    upstreams: [{ key: 'A', requests: 0, errors5xx: 0, inFlight: 0 }],
  });
  await client.removeRoute('d-abc');
  await client.removeRoute('d-abc');
  expect(await client.getRoute('d-abc')).toBeNull();
  expect((await send(harness.router.proxyUrl, { host: 'd-abc.localhost' })).status).toBe(404);
});

test('a second deployment claiming a routed hostname gets 409 and the first keeps it', async () => {
  await client.setRoute(route());
  await expect(client.setRoute(route({ deploymentId: 'd-two' }))).rejects.toMatchObject({ status: 409 });
  expect(JSON.parse((await send(harness.router.proxyUrl, { host: 'd-abc.localhost' })).body).name).toBe('A');
});

test('healthz answers ok', async () => {
  const res = await fetch(`${harness.router.adminUrl}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok', routes: 0 });
});

test('routes survive a router restart on the same state file, saved without temp files left behind', async () => {
  await client.setRoute(route());
  await client.setRoute(route({ deploymentId: 'd-gone', hostname: 'gone.localhost' }));
  await client.removeRoute('d-gone');
  const saved = JSON.parse(await readFile(harness.stateFile, 'utf8'));
  expect(saved).toEqual({ version: 1, routes: [route()] });
  expect(await readdir(path.dirname(harness.stateFile))).toEqual(['routes.json']);

  const restarted = await harness.restart();
  const res = await send(restarted.proxyUrl, { host: 'd-abc.localhost' });
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body).name).toBe('A');
  expect(await createHttpRouterClient({ adminUrl: restarted.adminUrl, adminSecret: harness.adminSecret }).getRoute('d-gone')).toBeNull();
});

test('client errors name the router and its answer, so activities retry with a clear message', async () => {
  const err = await client.setRoute(route({ hostname: 'bad host' })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RouterRequestError);
  expect((err as RouterRequestError).status).toBe(400);
  expect((err as Error).message).toContain(`traffic router at ${harness.router.adminUrl} answered 400`);

  const adminUrl = harness.router.adminUrl;
  await harness.router.close();
  const down = createHttpRouterClient({ adminUrl, adminSecret: harness.adminSecret });
  await expect(down.getRoute('d-abc')).rejects.toThrow(`traffic router at ${adminUrl} is unreachable`);
});

test('a corrupt state file stops the router from starting with a message naming the file', async () => {
  const dir = path.join(os.tmpdir(), `slipway-routes-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'routes.json');
  await writeFile(file, JSON.stringify({ version: 1, routes: [{ deploymentId: 'x' }] }));
  await expect(createRouteStore(file).load()).rejects.toThrow(RouteStoreError);
  await expect(createRouteStore(file).load()).rejects.toThrow(file);
  expect(await createRouteStore(path.join(dir, 'missing.json')).load()).toEqual([]);
});
