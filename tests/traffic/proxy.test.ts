import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import type { TrafficRouter } from '../../ports/traffic';
import {
  deferred,
  eventually,
  openRequest,
  send,
  startTestRouter,
  startUpstream,
  type RouterHarness,
  type TestUpstream,
} from './httpFixtures';

const HOST = 'd-abc.localhost';

let harness: RouterHarness;
let client: TrafficRouter;
let a: TestUpstream;
let b: TestUpstream;
const extra: TestUpstream[] = [];

beforeEach(async () => {
  harness = await startTestRouter();
  client = createHttpRouterClient({ adminUrl: harness.router.adminUrl, adminSecret: harness.adminSecret });
  a = await startUpstream('A');
  b = await startUpstream('B');
});

afterEach(async () => {
  await harness.close();
  await Promise.all([a.close(), b.close(), ...extra.splice(0).map((u) => u.close())]);
});

const proxy = (opts: Parameters<typeof send>[1] = {}) => send(harness.router.proxyUrl, { host: HOST, ...opts });

async function routeTo(upstreams: { up: TestUpstream; weight: number }[]) {
  await client.setRoute({
    deploymentId: 'd-abc',
    hostname: HOST,
    upstreams: upstreams.map(({ up, weight }) => ({ key: up.name, url: up.url, weight })),
  });
}

test('proxies method, path, body and headers, adding X-Forwarded-* and dropping hop-by-hop headers', async () => {
  await routeTo([{ up: a, weight: 100 }]);
  const res = await proxy({
    method: 'POST',
    path: '/orders?x=1',
    host: 'D-ABC.localhost:8080',
    headers: {
      'content-type': 'text/plain',
      'x-custom': 'yes',
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': 'no',
      'x-forwarded-for': '203.0.113.9',
    },
    body: 'hello',
  });
  expect(res.status).toBe(200);
  expect(res.headers['x-upstream']).toBe('A');
  const seen = JSON.parse(res.body);
  expect(seen).toMatchObject({ name: 'A', method: 'POST', url: '/orders?x=1', body: 'hello' });
  expect(seen.headers).toMatchObject({
    host: 'D-ABC.localhost:8080',
    'x-custom': 'yes',
    'x-forwarded-for': '203.0.113.9, 127.0.0.1',
    'x-forwarded-host': 'D-ABC.localhost:8080',
    'x-forwarded-proto': 'http',
  });
  expect(seen.headers['x-secret-hop']).toBeUndefined();
});

test('unknown host answers 404 route_not_found', async () => {
  const res = await proxy({ host: 'nobody.localhost' });
  expect(res.status).toBe(404);
  expect(JSON.parse(res.body)).toMatchObject({ code: 'route_not_found' });
});

test('a suspended route answers 503 with Retry-After and the reason', async () => {
  await client.setRoute({
    deploymentId: 'd-abc',
    hostname: HOST,
    upstreams: [{ key: 'A', url: a.url, weight: 100 }],
    suspended: { reason: 'suspended by the tenant admin', retryAfterSeconds: 30 },
  });
  const res = await proxy();
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBe('30');
  expect(JSON.parse(res.body)).toEqual({ code: 'deployment_suspended', message: 'suspended by the tenant admin' });
});

test('a route with only weight-0 upstreams answers 503 no_healthy_upstream', async () => {
  await routeTo([{ up: a, weight: 0 }]);
  const res = await proxy();
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBe('5');
  expect(JSON.parse(res.body)).toMatchObject({ code: 'no_healthy_upstream' });
});

test('an upstream that is down gives 502 bad_gateway and counts as its 5xx', async () => {
  const dead = await startUpstream('dead');
  await dead.close();
  await routeTo([{ up: dead, weight: 100 }]);
  const res = await proxy();
  expect(res.status).toBe(502);
  expect(JSON.parse(res.body)).toMatchObject({ code: 'bad_gateway' });
  expect(await client.stats('d-abc')).toMatchObject({
    deploymentId: 'd-abc',
    upstreams: [{ key: 'dead', requests: 1, errors5xx: 1, inFlight: 0 }],
  });
});

test('counts requests and upstream 5xx answers per upstream', async () => {
  const flaky = await startUpstream('flaky', (req, res) => {
    res.writeHead(req.url === '/fail' ? 500 : 200).end('x');
  });
  extra.push(flaky);
  await routeTo([{ up: flaky, weight: 100 }]);
  for (const path of ['/ok', '/fail', '/fail', '/ok', '/fail']) await proxy({ path });
  expect(await client.stats('d-abc')).toMatchObject({
    deploymentId: 'd-abc',
    upstreams: [{ key: 'flaky', requests: 5, errors5xx: 3, inFlight: 0 }],
  });
});

test('weights split real traffic', async () => {
  await routeTo([
    { up: a, weight: 75 },
    { up: b, weight: 25 },
  ]);
  const seen: string[] = [];
  for (let i = 0; i < 40; i++) seen.push(String((await proxy()).headers['x-upstream']));
  expect(seen.filter((n) => n === 'A')).toHaveLength(30);
  expect(seen.filter((n) => n === 'B')).toHaveLength(10);
});

test('swapping A for B under steady traffic loses no request, and afterwards only B answers', async () => {
  await routeTo([{ up: a, weight: 100 }]);
  let swapped = false;
  let stop = false;
  const results: { status: number; upstream: string; afterSwap: boolean }[] = [];
  const worker = async () => {
    while (!stop) {
      const afterSwap = swapped;
      const res = await proxy();
      results.push({ status: res.status, upstream: String(res.headers['x-upstream']), afterSwap });
    }
  };
  const workers = [worker(), worker(), worker(), worker()];
  await eventually(
    async () => results.length,
    (n) => n >= 50,
  );
  await routeTo([{ up: b, weight: 100 }]);
  swapped = true;
  const swapAt = results.length;
  await eventually(
    async () => results.length,
    (n) => n >= swapAt + 50,
  );
  stop = true;
  await Promise.all(workers);

  expect(results.every((r) => r.status === 200)).toBe(true);
  expect(results.some((r) => !r.afterSwap && r.upstream === 'A')).toBe(true);
  const after = results.filter((r) => r.afterSwap);
  expect(after.length).toBeGreaterThanOrEqual(50);
  expect(after.every((r) => r.upstream === 'B')).toBe(true);
});

test('in-flight rises during a slow request and returns to 0 when it ends', async () => {
  const release = deferred();
  const slow = await startUpstream('slow', (_req, res) => {
    void release.promise.then(() => res.end('done'));
  });
  extra.push(slow);
  await routeTo([{ up: slow, weight: 100 }]);
  const pending = proxy();
  await eventually(
    () => client.stats('d-abc'),
    (s) => s!.upstreams[0].inFlight === 1,
  );
  release.resolve();
  expect((await pending).body).toBe('done');
  await eventually(
    () => client.stats('d-abc'),
    (s) => s!.upstreams[0].inFlight === 0,
  );
});

test('a client that aborts mid-request is released without crashing the router', async () => {
  const upstreamSawClose = deferred();
  const hang = await startUpstream('hang', (req, res) => {
    res.writeHead(200);
    res.write('partial');
    req.socket.on('close', () => upstreamSawClose.resolve());
  });
  extra.push(hang);
  await routeTo([{ up: hang, weight: 100 }]);
  const gotFirstByte = deferred();
  const req = openRequest(harness.router.proxyUrl, { host: HOST }, (res) => res.once('data', () => gotFirstByte.resolve()));
  req.on('error', () => undefined);
  req.end();
  await gotFirstByte.promise;
  req.destroy();
  await upstreamSawClose.promise; // the proxy tore down its upstream request too
  await eventually(
    () => client.stats('d-abc'),
    (s) => s!.upstreams[0].inFlight === 0,
  );
  const stats = await client.stats('d-abc');
  expect(stats!.upstreams[0]).toMatchObject({ requests: 1, errors5xx: 0 });

  await routeTo([{ up: a, weight: 100 }]);
  expect((await proxy()).status).toBe(200);
});

test('streams the response: the first chunk arrives before the upstream has finished', async () => {
  const finish = deferred();
  const streamer = await startUpstream('stream', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\n\n');
    void finish.promise.then(() => res.end('data: last\n\n'));
  });
  extra.push(streamer);
  await routeTo([{ up: streamer, weight: 100 }]);

  const chunks: string[] = [];
  const ended = deferred();
  const firstChunk = deferred();
  const req = openRequest(harness.router.proxyUrl, { host: HOST }, (res) => {
    res.on('data', (c: Buffer) => {
      chunks.push(c.toString());
      firstChunk.resolve();
    });
    res.on('end', () => ended.resolve());
  });
  req.end();
  await firstChunk.promise; // would hang forever if the proxy buffered until the upstream ended
  expect(chunks.join('')).toBe('data: first\n\n');
  finish.resolve();
  await ended.promise;
  expect(chunks.join('')).toBe('data: first\n\ndata: last\n\n');
});
