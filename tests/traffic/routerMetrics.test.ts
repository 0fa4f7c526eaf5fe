import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import type { TrafficRouter } from '../../ports/traffic';
import { deferred, eventually, send, startTestRouter, startUpstream, type RouterHarness, type TestUpstream } from './httpFixtures';
import { prometheusSamples } from '../helpers/prometheusSamples';

const HOST = 'd-m.localhost';
let harness: RouterHarness;
let client: TrafficRouter;
const ups: TestUpstream[] = [];

beforeEach(async () => {
  harness = await startTestRouter();
  client = createHttpRouterClient({ adminUrl: harness.router.adminUrl, adminSecret: harness.adminSecret });
});

afterEach(async () => {
  await harness.close();
  await Promise.all(ups.splice(0).map((u) => u.close()));
});

async function upstream(name: string, handler?: Parameters<typeof startUpstream>[1]) {
  const u = await startUpstream(name, handler);
  ups.push(u);
  return u;
}

const proxy = (path = '/') => send(harness.router.proxyUrl, { host: HOST, path });

async function metrics(): Promise<{ text: string; contentType: string | null }> {
  const res = await fetch(`${harness.router.adminUrl}/metrics`, { headers: { authorization: `Bearer ${harness.adminSecret}` } });
  expect(res.status).toBe(200);
  return { text: await res.text(), contentType: res.headers.get('content-type') };
}

test('GET /metrics on the admin listener exposes requests by class, in-flight, routes and a latency histogram', async () => {
  const app = await upstream('A', (req, res) => res.writeHead(req.url === '/fail' ? 500 : req.url === '/missing' ? 404 : 200).end());
  await client.setRoute({ deploymentId: 'd-m', hostname: HOST, upstreams: [{ key: 'rev-1', url: app.url, weight: 100 }] });
  await client.setRoute({
    deploymentId: 'd-off',
    hostname: 'off.localhost',
    upstreams: [],
    suspended: { reason: 'x', retryAfterSeconds: 1 },
  });
  for (const path of ['/', '/', '/', '/fail', '/missing']) await proxy(path);

  const { text, contentType } = await metrics();
  expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  expect(text).toContain('# TYPE slipway_router_requests_total counter');
  expect(text).toContain('# TYPE slipway_router_request_duration_seconds histogram');
  const s = prometheusSamples(text);
  const l = 'deployment="d-m",upstream="rev-1"';
  expect(s.get('slipway_router_routes')).toBe(2);
  expect(s.get('slipway_router_suspended_routes')).toBe(1);
  expect(s.get(`slipway_router_requests_total{${l},code_class="2xx"}`)).toBe(3);
  expect(s.get(`slipway_router_requests_total{${l},code_class="4xx"}`)).toBe(1);
  expect(s.get(`slipway_router_requests_total{${l},code_class="5xx"}`)).toBe(1);
  expect(s.get(`slipway_router_requests_total{${l},code_class="3xx"}`)).toBe(0);
  expect(s.has(`slipway_router_requests_total{${l},code_class="none"}`)).toBe(false);
  expect(s.get(`slipway_router_upstream_in_flight{${l}}`)).toBe(0);
  expect(s.get(`slipway_router_upstream_healthy{${l}}`)).toBe(1);
  expect(s.get('slipway_router_request_duration_seconds_count{deployment="d-m"}')).toBe(5);
  expect(s.get('slipway_router_request_duration_seconds_bucket{deployment="d-m",le="+Inf"}')).toBe(5);
  expect(s.get('slipway_router_request_duration_seconds_count{deployment="d-off"}')).toBe(0);
});

test('stats carry latency with p50/p99, stay cumulative across swaps, and keep a removed upstream until its last request ends', async () => {
  const release = deferred();
  const a = await upstream('A', (req, res) => {
    if (req.url === '/slow') void release.promise.then(() => res.end('slow'));
    else res.end('a');
  });
  const b = await upstream('B');
  await client.setRoute({ deploymentId: 'd-m', hostname: HOST, upstreams: [{ key: 'A', url: a.url, weight: 100 }] });
  for (let i = 0; i < 3; i++) await proxy();
  const slow = proxy('/slow');
  await eventually(
    () => client.stats('d-m'),
    (s) => s!.upstreams[0].inFlight === 1,
  );

  // Weight change keeps A's counters; then B takes over and A only drains.
  await client.setRoute({
    deploymentId: 'd-m',
    hostname: HOST,
    upstreams: [
      { key: 'A', url: a.url, weight: 50 },
      { key: 'B', url: b.url, weight: 50 },
    ],
  });
  await client.setRoute({ deploymentId: 'd-m', hostname: HOST, upstreams: [{ key: 'B', url: b.url, weight: 100 }] });
  await proxy();
  const during = (await client.stats('d-m'))!;
  expect(during.upstreams.map((u) => [u.key, u.requests, u.inFlight])).toEqual([
    ['B', 1, 0],
    ['A', 4, 1],
  ]);
  const aLatency = during.upstreams[1].latency!;
  expect(aLatency.count).toBe(3);
  expect(aLatency.p50Ms).not.toBeNull();
  expect(aLatency.p99Ms).toBeGreaterThanOrEqual(aLatency.p50Ms!);
  expect(aLatency.buckets.at(-1)).toEqual({ leMs: 10000, count: 3 });

  const s = prometheusSamples((await metrics()).text);
  expect(s.get('slipway_router_upstream_in_flight{deployment="d-m",upstream="A"}')).toBe(1);

  release.resolve();
  expect((await slow).body).toBe('slow');
  const after = await eventually(
    () => client.stats('d-m'),
    (st) => st!.upstreams.length === 1,
  );
  expect(after!.upstreams[0]).toMatchObject({ key: 'B', requests: 1 });
  const m = prometheusSamples((await metrics()).text);
  expect(m.has('slipway_router_upstream_in_flight{deployment="d-m",upstream="A"}')).toBe(false);
  expect(m.get('slipway_router_request_duration_seconds_count{deployment="d-m"}')).toBe(5); // deployment-wide, kept across swaps
});
