import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import type { TrafficRouter } from '../../ports/traffic';
import { eventually, send, startTestRouter, startUpstream, type RouterHarness, type TestUpstream } from './httpFixtures';

const HOST = 'd-abc.localhost';
let harness: RouterHarness | undefined;
let client: TrafficRouter;
const ups: TestUpstream[] = [];

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await Promise.all(ups.splice(0).map((u) => u.close()));
});

async function start(over: Parameters<typeof startTestRouter>[0] = {}) {
  harness = await startTestRouter(over);
  client = createHttpRouterClient({ adminUrl: harness.router.adminUrl, adminSecret: harness.adminSecret });
}

async function upstream(name: string, handler?: Parameters<typeof startUpstream>[1]) {
  const u = await startUpstream(name, handler);
  ups.push(u);
  return u;
}

/** An address nothing listens on: a closed upstream's port. */
async function deadUrl(): Promise<string> {
  const u = await startUpstream('dead');
  await u.close();
  return u.url;
}

const route = (upstreams: { key: string; url: string; weight: number }[]) =>
  client.setRoute({ deploymentId: 'd-abc', hostname: HOST, upstreams });
const proxy = (opts: Parameters<typeof send>[1] = {}) => send(harness!.router.proxyUrl, { host: HOST, ...opts });

test('a refused upstream is skipped, and the GET that hit it is retried on a healthy one: the client sees only 200s', async () => {
  await start();
  const a = await upstream('A');
  await route([
    { key: 'dead', url: await deadUrl(), weight: 50 },
    { key: 'A', url: a.url, weight: 50 },
  ]);
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) statuses.push((await proxy()).status);
  expect(statuses).toEqual(Array(20).fill(200));
  const stats = (await client.stats('d-abc'))!;
  const dead = stats.upstreams.find((u) => u.key === 'dead')!;
  expect(dead).toMatchObject({ requests: 1, errors5xx: 0, inFlight: 0, connectErrors: 1, healthy: false });
  expect(stats.upstreams.find((u) => u.key === 'A')).toMatchObject({ requests: 20, errors5xx: 0, healthy: true });
});

test('a POST is never retried: it gets 502, while a GET to the same dead upstream goes elsewhere', async () => {
  await start({ unhealthyCooldownMs: 0 }); // no cool-down: the picker keeps choosing the dead one
  const a = await upstream('A');
  await route([
    { key: 'dead', url: await deadUrl(), weight: 1 },
    { key: 'A', url: a.url, weight: 1 },
  ]);
  const posts: number[] = [];
  for (let i = 0; i < 4; i++) posts.push((await proxy({ method: 'POST', body: 'x' })).status);
  expect(posts.sort()).toEqual([200, 200, 502, 502]);
  const gets: number[] = [];
  for (let i = 0; i < 4; i++) gets.push((await proxy()).status);
  expect(gets).toEqual([200, 200, 200, 200]);
});

test('nothing healthy behind a route: 503 no_healthy_upstream with Retry-After, then traffic again once it is back', async () => {
  await start({ unhealthyCooldownMs: 300 });
  const url = await deadUrl();
  await route([{ key: 'only', url, weight: 100 }]);
  const first = await proxy();
  expect(first.status).toBe(502); // the request that found it down
  const second = await proxy();
  expect(second.status).toBe(503);
  expect(second.headers['retry-after']).toBe('1');
  expect(JSON.parse(second.body)).toMatchObject({ code: 'no_healthy_upstream' });

  // The app comes back on the same port: after the cool-down the next request reaches it.
  const back = http.createServer((_req, res) => res.end('back'));
  await new Promise<void>((resolve) => back.listen(Number(new URL(url).port), '127.0.0.1', resolve));
  ups.push({
    name: 'back',
    url: `http://127.0.0.1:${(back.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        back.closeAllConnections();
        back.close(() => r());
      }),
  });
  const res = await eventually(
    () => proxy(),
    (r) => r.status === 200,
  );
  expect(res.body).toBe('back');
});

test('a pooled keep-alive socket the upstream closed is retried without marking the upstream down', async () => {
  await start();
  const seenOnSocket = new WeakMap<object, number>();
  const flaky = await upstream('flaky', (req, res) => {
    const n = (seenOnSocket.get(req.socket) ?? 0) + 1;
    seenOnSocket.set(req.socket, n);
    if (n === 2) {
      req.socket.destroy(); // what a keep-alive timeout racing a reuse looks like from the proxy
      return;
    }
    res.end('ok');
  });
  await route([{ key: 'flaky', url: flaky.url, weight: 100 }]);
  expect((await proxy()).status).toBe(200);
  expect((await proxy()).status).toBe(200); // second request on the pooled socket: reset, retried
  expect((await proxy()).status).toBe(200); // and again on the retry's socket
  const [stats] = (await client.stats('d-abc'))!.upstreams;
  expect(stats).toMatchObject({ requests: 5, connectErrors: 2, errors5xx: 0, healthy: true });
});

test('an upstream silent past the idle timeout answers 504 gateway_timeout', async () => {
  await start({ upstreamIdleTimeoutMs: 200 });
  const silent = await upstream('silent', () => undefined);
  await route([{ key: 'silent', url: silent.url, weight: 100 }]);
  const res = await proxy();
  expect(res.status).toBe(504);
  expect(JSON.parse(res.body)).toMatchObject({ code: 'gateway_timeout' });
  const [stats] = (await client.stats('d-abc'))!.upstreams;
  expect(stats).toMatchObject({ requests: 1, errors5xx: 1, inFlight: 0, healthy: true });
});
