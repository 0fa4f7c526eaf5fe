import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TrafficRouter } from '../../../ports/traffic';
import { saveHaproxyState } from '../../../traffic/haproxy/haproxyFiles';
import { createHaproxyRouter } from '../../../traffic/haproxy/haproxyRouter';
import { emptyState } from '../../../traffic/haproxy/haproxyState';
import { keepRequesting } from '../../helpers/trafficLoop';
import { startTestHaproxy, type TestHaproxy } from '../../helpers/trafficRouters';
import { eventually, send, startUpstream, type TestUpstream } from '../httpFixtures';

/** What only the HAProxy router has to prove: its answers match the built-in router's, and its state survives restarts and reloads. */
let dir: string;
let haproxy: TestHaproxy;
let router: TrafficRouter;
let a: TestUpstream;
let b: TestUpstream;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-haproxy-'));
  a = await startUpstream('A');
  b = await startUpstream('B');
});

afterEach(async () => {
  await haproxy?.close();
  await a.close();
  await b.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(pool?: { poolSize: number; slotsPerBackend: number }): Promise<void> {
  haproxy = await startTestHaproxy(dir, 1000);
  if (pool) {
    // A small pool forces the reload path; the state is saved before HAProxy reads it.
    await haproxy.close();
    await saveHaproxyState(emptyState(pool), haproxy.settings);
    await haproxy.restart();
  }
  router = await createHaproxyRouter(haproxy.settings);
}

const get = (host: string, extra: { path?: string; headers?: Record<string, string>; body?: string; method?: string } = {}) =>
  send(haproxy.proxyUrl, { host, ...extra });
const served = async (host: string) => (await get(host)).headers['x-upstream'];

test("refusals carry the built-in router's codes: 404 unknown host, 503 suspended with its reason and Retry-After, 503 empty route, 413 body", async () => {
  await start();
  const missing = await get('nobody.localhost');
  expect(missing.status).toBe(404);
  expect(JSON.parse(missing.body)).toEqual({ code: 'route_not_found', message: 'no deployment is routed at nobody.localhost' });

  await router.setRoute({ deploymentId: 'd1', hostname: 'd1.localhost', upstreams: [{ key: 'a', url: a.url, weight: 100 }] });
  expect(await served('D1.localhost:8080')).toBe('A');
  await router.setRoute({
    deploymentId: 'd1',
    hostname: 'd1.localhost',
    upstreams: [],
    suspended: { reason: 'deployment d1 is suspended "for now"', retryAfterSeconds: 42 },
  });
  const suspended = await get('d1.localhost');
  expect(suspended.status).toBe(503);
  expect(suspended.headers['retry-after']).toBe('42');
  expect(JSON.parse(suspended.body)).toEqual({ code: 'deployment_suspended', message: 'deployment d1 is suspended "for now"' });

  await router.setRoute({ deploymentId: 'd1', hostname: 'd1.localhost', upstreams: [] });
  const empty = await get('d1.localhost');
  expect(empty.status).toBe(503);
  expect(JSON.parse(empty.body)).toMatchObject({ code: 'no_healthy_upstream' });

  await router.setRoute({ deploymentId: 'd1', hostname: 'd1.localhost', upstreams: [{ key: 'a', url: a.url, weight: 100 }] });
  const big = await get('d1.localhost', { method: 'POST', body: 'x'.repeat(2000), headers: { 'content-type': 'text/plain' } });
  expect(big.status).toBe(413);
  expect(JSON.parse(big.body)).toMatchObject({ code: 'payload_too_large' });
});

test('upstreams get the forwarding headers the built-in router sends', async () => {
  await start();
  await router.setRoute({ deploymentId: 'd1', hostname: 'd1.localhost', upstreams: [{ key: 'a', url: a.url, weight: 100 }] });
  const seen = JSON.parse((await get('d1.localhost:8080', { headers: { 'x-forwarded-for': '203.0.113.9' } })).body).headers;
  expect(seen).toMatchObject({
    'x-forwarded-for': '203.0.113.9, 127.0.0.1',
    'x-forwarded-host': 'd1.localhost:8080',
    'x-forwarded-proto': 'http',
  });
});

test('a request with two Host headers is refused with 400, never routed by either', async () => {
  await start();
  await router.setRoute({ deploymentId: 'd1', hostname: 'd1.localhost', upstreams: [{ key: 'a', url: a.url, weight: 100 }] });
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(haproxy.settings.port, '127.0.0.1', () =>
      socket.end('GET / HTTP/1.1\r\nHost: d1.localhost\r\nHost: other.localhost\r\nConnection: close\r\n\r\n'),
    );
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  expect(answer).not.toMatch(/x-upstream/i);
});

test('a route the built-in router would refuse is refused before anything reaches the runtime API', async () => {
  await start();
  await expect(
    router.setRoute({
      deploymentId: 'd1',
      hostname: 'x.localhost; del map hosts.map y',
      upstreams: [{ key: 'a', url: a.url, weight: 100 }],
    }),
  ).rejects.toThrow(/invalid route for d1: hostname/);
  expect(await router.getRoute('d1')).toBeNull();
});

test('a hostname change re-points the new name and forgets the old one; removal answers 404', async () => {
  await start();
  await router.setRoute({ deploymentId: 'd1', hostname: 'old.localhost', upstreams: [{ key: 'a', url: a.url, weight: 100 }] });
  await router.setRoute({ deploymentId: 'd1', hostname: 'new.localhost', upstreams: [{ key: 'a', url: a.url, weight: 100 }] });
  expect(await served('new.localhost')).toBe('A');
  expect((await get('old.localhost')).status).toBe(404);
  await router.removeRoute('d1');
  expect((await get('new.localhost')).status).toBe(404);
  expect(await router.getRoute('d1')).toBeNull();
  expect(await router.stats('d1')).toBeNull();
});

test('after an HAProxy restart it serves the routes Slipway set, from the saved state', async () => {
  await start();
  await router.setRoute({ deploymentId: 'd1', hostname: 'd1.localhost', upstreams: [{ key: 'a', url: a.url, weight: 100 }] });
  await router.setRoute({ deploymentId: 'd1', hostname: 'd1.localhost', upstreams: [{ key: 'b', url: b.url, weight: 100 }] });
  await router.setRoute({
    deploymentId: 'd2',
    hostname: 'd2.localhost',
    upstreams: [],
    suspended: { reason: 'suspended by tenant', retryAfterSeconds: 7 },
  });
  await haproxy.restart();
  expect(await served('d1.localhost')).toBe('B');
  const suspended = await get('d2.localhost');
  expect([suspended.status, suspended.headers['retry-after'], JSON.parse(suspended.body).message]).toEqual([
    503,
    '7',
    'suspended by tenant',
  ]);
  // The router keeps working against the new process, and counts from zero again without going negative.
  await router.setRoute({ deploymentId: 'd1', hostname: 'd1.localhost', upstreams: [{ key: 'a', url: a.url, weight: 100 }] });
  expect(await served('d1.localhost')).toBe('A');
  const stats = await router.stats('d1');
  expect(stats!.upstreams.map((u) => u.key)).toEqual(['a']);
  expect(stats!.upstreams[0].requests).toBeGreaterThanOrEqual(1);
});

/**
 * Holds one request on upstream `h` of d1, switches d1 to `a` (so `h` drains), runs `afterSwitch`,
 * and checks that the router it answers still counts the held request, then lets it go.
 */
async function drainSeesHeldRequest(
  pool: { poolSize: number; slotsPerBackend: number } | undefined,
  afterSwitch: () => Promise<TrafficRouter>,
): Promise<void> {
  const held: import('node:http').ServerResponse[] = [];
  const holding = await startUpstream('H', (_req, res) => held.push(res));
  try {
    await start(pool);
    await router.setRoute({ deploymentId: 'd1', hostname: 'd1.localhost', upstreams: [{ key: 'h', url: holding.url, weight: 100 }] });
    const pending = get('d1.localhost');
    await eventually(
      async () => held.length,
      (n) => n === 1,
    );
    await router.setRoute({ deploymentId: 'd1', hostname: 'd1.localhost', upstreams: [{ key: 'a', url: a.url, weight: 100 }] });
    const polling = await afterSwitch();
    expect((await polling.stats('d1'))!.upstreams.map((u) => [u.key, u.inFlight])).toEqual([
      ['a', 0],
      ['h', 1],
    ]);
    held[0].end('done');
    expect((await pending).status).toBe(200);
    await eventually(
      () => polling.stats('d1'),
      (st) => st!.upstreams.length === 1 && st!.upstreams[0].key === 'a',
    );
  } finally {
    for (const res of held) res.end();
    await holding.close();
  }
}

test('a restarted worker (a new HaproxyRouter on the saved state) still sees what is in flight, so a drain waits for it', async () => {
  // The old worker swapped the route, then died; the new one only polls, as drainPrevious does.
  await drainSeesHeldRequest(undefined, () => createHaproxyRouter(haproxy.settings));
});

test('a full pool grows by a hitless reload: same master process, every route still served', async () => {
  await start({ poolSize: 1, slotsPerBackend: 1 });
  const masterPid = haproxy.process().pid;
  await router.setRoute({ deploymentId: 'd1', hostname: 'd1.localhost', upstreams: [{ key: 'a', url: a.url, weight: 100 }] });
  const traffic = keepRequesting(haproxy.settings.port, 'd1.localhost');
  await router.setRoute({ deploymentId: 'd2', hostname: 'd2.localhost', upstreams: [{ key: 'b', url: b.url, weight: 100 }] });
  await router.setRoute({
    deploymentId: 'd3',
    hostname: 'd3.localhost',
    upstreams: [
      { key: 'a', url: a.url, weight: 50 },
      { key: 'b', url: b.url, weight: 50 },
    ],
  });
  const report = await traffic.stop();
  expect(haproxy.process().pid).toBe(masterPid);
  expect(await served('d1.localhost')).toBe('A');
  expect(await served('d2.localhost')).toBe('B');
  const seen = new Set<string | string[] | undefined>();
  for (let i = 0; i < 6; i++) seen.add(await served('d3.localhost'));
  expect([...seen].sort()).toEqual(['A', 'B']);
  expect(report.ok).toBeGreaterThan(0);
  // Reloads can reset a keep-alive connection (HAPROXY.md); no request may get an HTTP error.
  expect(report.failures.filter((f) => typeof f.status === 'number')).toEqual([]);
});

test('a drain that overlaps a reload still sees the requests the old HAProxy worker proxies', async () => {
  // The next route does not fit the pool, so HAProxy reloads and the held request stays with the old worker.
  await drainSeesHeldRequest({ poolSize: 2, slotsPerBackend: 1 }, async () => {
    await router.setRoute({ deploymentId: 'd2', hostname: 'd2.localhost', upstreams: [{ key: 'b', url: b.url, weight: 100 }] });
    return router;
  });
});

test('counts requests, 5xx and in-flight per upstream key for the canary verdict, and serves Prometheus metrics', async () => {
  const failing = await startUpstream('F', (_req, res) => {
    res.statusCode = 500;
    res.end('boom');
  });
  try {
    await start();
    await router.setRoute({
      deploymentId: 'd1',
      hostname: 'd1.localhost',
      upstreams: [
        { key: 'stable', url: a.url, weight: 50 },
        { key: 'canary', url: failing.url, weight: 50 },
      ],
    });
    for (let i = 0; i < 20; i++) await get('d1.localhost');
    const stats = await eventually(
      () => router.stats('d1'),
      (s) => s!.upstreams.every((u) => u.inFlight === 0),
    );
    const by = Object.fromEntries(stats!.upstreams.map((u) => [u.key, u]));
    expect(by.stable.requests + by.canary.requests).toBe(20);
    expect(by.canary.errors5xx).toBe(by.canary.requests);
    expect(by.stable.errors5xx).toBe(0);
    expect(by.canary.requests).toBeGreaterThan(0);

    const metrics = await send(haproxy.adminUrl, { path: '/metrics' });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/haproxy_server_http_responses_total\{proxy="be_000",server="s2",code="5xx"\} [1-9]/);
  } finally {
    await failing.close();
  }
});
