import http, { type ServerResponse } from 'node:http';
import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import type { LoadShedderOptions } from '../../traffic/builtin/loadShedder';
import { eventually, send, startTestRouter, startUpstream, type RouterHarness, type TestUpstream } from './httpFixtures';

/** The built-in router refuses fast instead of queueing without bound, and takes traffic again once the pressure is gone. */
const HOST = 'd-shed.localhost';
let harness: RouterHarness;
let slow: TestUpstream;
let held: ServerResponse[];

beforeEach(async () => {
  held = [];
  slow = await startUpstream('slow', (req, res) => {
    if (req.url === '/hold') held.push(res);
    else res.end('fast');
  });
  // The lag guard keeps its default busy threshold here: with a handful of requests in flight a
  // stall of a loaded CI machine must not shed what these tests expect the route bound to refuse.
  harness = await routerWith({ maxInFlightPerRoute: 3 });
});

async function routerWith(shedding: LoadShedderOptions): Promise<RouterHarness> {
  const router = await startTestRouter({ shedding });
  const client = createHttpRouterClient({ adminUrl: router.router.adminUrl, adminSecret: router.adminSecret });
  await client.setRoute({ deploymentId: 'd-shed', hostname: HOST, upstreams: [{ key: 'slow', url: slow.url, weight: 100 }] });
  return router;
}

afterEach(async () => {
  for (const res of held) res.end();
  await harness.close();
  await slow.close();
});

test('a route with its queue full answers 503 route_saturated with Retry-After at once, and serves again when requests finish', async () => {
  const pending = [1, 2, 3].map(() => send(harness.router.proxyUrl, { host: HOST, path: '/hold' }));
  await eventually(
    async () => held.length,
    (n) => n === 3,
  );
  const refused = await send(harness.router.proxyUrl, { host: HOST, headers: { connection: 'keep-alive' } });
  expect(refused.status).toBe(503);
  expect(refused.headers['retry-after']).toBe('1');
  expect(JSON.parse(refused.body)).toMatchObject({ code: 'route_saturated' });
  expect(refused.headers.connection).not.toBe('close'); // no body: the connection stays usable
  const metrics = await fetch(`${harness.router.adminUrl}/metrics`, { headers: { authorization: `Bearer ${harness.adminSecret}` } });
  const body = await metrics.text();
  expect(body).toContain('slipway_router_shed_requests_total{reason="route_saturated"} 1');
  expect(body).toContain('slipway_router_shed_requests_total{reason="router_overloaded"} 0');

  for (const res of held.splice(0)) res.end('done');
  expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200, 200]);
  expect((await send(harness.router.proxyUrl, { host: HOST })).status).toBe(200);
});

test('a refused request with a body closes its connection, so the unread body is never taken for a request', async () => {
  const pending = [1, 2, 3].map(() => send(harness.router.proxyUrl, { host: HOST, path: '/hold' }));
  await eventually(
    async () => held.length,
    (n) => n === 3,
  );
  const refused = await send(harness.router.proxyUrl, {
    host: HOST,
    method: 'POST',
    body: 'payload',
    headers: { 'content-type': 'text/plain' },
  });
  expect([refused.status, refused.headers.connection]).toEqual([503, 'close']);
  for (const res of held.splice(0)) res.end('done');
  await Promise.all(pending);
});

test('a stall with few requests in flight is not overload: nothing is shed below the busy threshold', async () => {
  await harness.close();
  harness = await routerWith({ maxEventLoopLagMs: 100, minInFlightForLagShedding: 64 });
  await stallEventLoop(400);
  expect((await send(harness.router.proxyUrl, { host: HOST })).status).toBe(200);
});

/** Blocks this process (the router runs in it) well past the lag limit: what a saturated CPU looks like to the event loop. */
async function stallEventLoop(forMs: number): Promise<void> {
  await new Promise<void>((resolve) =>
    setTimeout(() => {
      const until = Date.now() + forMs;
      while (Date.now() < until) {
        /* busy */
      }
      resolve();
    }, 30),
  );
  await new Promise((r) => setTimeout(r, 30)); // let the lag sampler run once
}

test('a stalled event loop sheds new requests as router_overloaded, and the router recovers once it runs freely', async () => {
  await harness.close();
  harness = await routerWith({ maxEventLoopLagMs: 100, minInFlightForLagShedding: 0 });
  await stallEventLoop(400);
  const refused = await send(harness.router.proxyUrl, { host: HOST });
  expect(refused.status).toBe(503);
  expect(JSON.parse(refused.body)).toMatchObject({ code: 'router_overloaded' });
  expect(refused.headers['retry-after']).toBe('1');
  await eventually(
    async () => (await send(harness.router.proxyUrl, { host: HOST })).status,
    (status) => status === 200,
  );
});

test('a connection past the connection bound gets 503 router_overloaded and is closed; once one closes, a new one is served', async () => {
  await harness.close();
  harness = await routerWith({ maxConnections: 2 });
  // Two idle keep-alive connections fill the bound.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const viaAgent = () => sendWith(agent, harness.router.proxyUrl, HOST);
  expect((await Promise.all([viaAgent(), viaAgent()])).map((r) => r.status)).toEqual([200, 200]);

  const refused = await send(harness.router.proxyUrl, { host: HOST });
  expect([refused.status, refused.headers.connection, refused.headers['retry-after']]).toEqual([503, 'close', '1']);
  expect(JSON.parse(refused.body)).toMatchObject({ code: 'router_overloaded' });
  // The connections already admitted keep being served.
  expect((await viaAgent()).status).toBe(200);

  agent.destroy();
  await eventually(
    async () => (await send(harness.router.proxyUrl, { host: HOST })).status,
    (status) => status === 200,
  );
});

function sendWith(agent: http.Agent, baseUrl: string, host: string): Promise<{ status: number }> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname: u.hostname, port: u.port, path: '/', headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode! }));
    });
    req.on('error', reject);
    req.end();
  });
}
