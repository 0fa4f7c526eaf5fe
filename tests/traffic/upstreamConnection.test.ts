import http from 'node:http';
import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import type { TrafficRouter } from '../../ports/traffic';
import {
  deferred,
  eventually,
  openRequest,
  send,
  startTestRouter,
  startUpstream,
  type Handler,
  type RouterHarness,
  type TestUpstream,
} from './httpFixtures';

/** How the built-in router uses its upstream connections (undici pools), seen from a real app. */
const HOST = 'd-conn.localhost';
let harness: RouterHarness;
let client: TrafficRouter;
let up: TestUpstream | undefined;
let connections: number;

beforeEach(async () => {
  harness = await startTestRouter({ upstreamIdleTimeoutMs: 300 });
  client = createHttpRouterClient({ adminUrl: harness.router.adminUrl, adminSecret: harness.adminSecret });
  connections = 0;
});

afterEach(async () => {
  await harness.close();
  await up?.close();
  up = undefined;
});

async function routeTo(handler: Handler): Promise<void> {
  up = await startUpstream('U', handler, (server) => server.on('connection', () => (connections += 1)));
  await client.setRoute({ deploymentId: 'd-conn', hostname: HOST, upstreams: [{ key: 'U', url: up.url, weight: 100 }] });
}

/** Reads a response to its end or its cut: `complete` is false when the router cut it. */
function readToClose(opts: Parameters<typeof openRequest>[1] = {}) {
  return new Promise<{ status: number; body: string; complete: boolean }>((resolve, reject) => {
    const req = openRequest(harness.router.proxyUrl, { host: HOST, ...opts }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode!, body, complete: res.complete }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('sequential requests, HEAD included, reuse one kept-alive upstream connection', async () => {
  await routeTo((_req, res) => res.writeHead(200, { 'content-length': '2' }).end('ok'));
  for (const method of ['GET', 'HEAD', 'GET', 'HEAD', 'GET'])
    expect((await send(harness.router.proxyUrl, { host: HOST, method })).status).toBe(200);
  expect(connections).toBe(1);
});

test.each([
  ['sized', { 'content-length': '100' }],
  ['chunked', {}],
])('an upstream that dies mid-body (%s) cuts the client response', async (_kind, headers) => {
  await routeTo((req, res) => {
    res.writeHead(200, headers);
    res.write('partial');
    setTimeout(() => req.socket.destroy(), 50);
  });
  const res = await readToClose();
  expect(res).toMatchObject({ status: 200, body: 'partial', complete: false });
  const [stats] = (await client.stats('d-conn'))!.upstreams;
  expect(stats).toMatchObject({ requests: 1, errors5xx: 1, inFlight: 0, healthy: true });
});

test('an upstream that goes silent after its headers is cut at the idle timeout', async () => {
  await routeTo((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: one\n\n');
  });
  const res = await readToClose();
  expect(res).toMatchObject({ status: 200, body: 'data: one\n\n', complete: false });
  const [stats] = (await client.stats('d-conn'))!.upstreams;
  expect(stats).toMatchObject({ requests: 1, errors5xx: 1, inFlight: 0 });
});

test('a slow upload keeps the request alive past the idle timeout as long as bytes flow', async () => {
  await routeTo((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => res.end(String(n)));
  });
  const u = new URL(harness.router.proxyUrl);
  const answer = deferred<string>();
  const req = http.request(
    { hostname: u.hostname, port: u.port, method: 'POST', path: '/', agent: false, headers: { host: HOST } },
    (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => answer.resolve(`${res.statusCode} ${body}`));
    },
  );
  req.on('error', () => answer.resolve('error'));
  for (let i = 0; i < 6; i++) {
    req.write('x'.repeat(10));
    await new Promise((r) => setTimeout(r, 100)); // 600 ms in all, 100 ms between bytes
  }
  req.end();
  await expect(answer.promise).resolves.toBe('200 60');
});

test('a client that sends Expect: 100-continue gets its body to the upstream, which never sees the Expect', async () => {
  let sawExpect: string | undefined = 'unset';
  await routeTo((req, res) => {
    sawExpect = req.headers.expect;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.end(Buffer.concat(chunks)));
  });
  const u = new URL(harness.router.proxyUrl);
  const body = await new Promise<string>((resolve, reject) => {
    const req = http.request(
      {
        hostname: u.hostname,
        port: u.port,
        method: 'PUT',
        path: '/',
        agent: false,
        headers: { host: HOST, expect: '100-continue', 'content-length': '5' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      },
    );
    req.on('continue', () => req.end('hello'));
    req.on('error', reject);
  });
  expect(body).toBe('hello');
  expect(sawExpect).toBeUndefined();
});

test('a client that goes away while its request waits in the pool never reaches the upstream', async () => {
  // One connection per upstream is what a full pool looks like, without holding 256 of them.
  await harness.close();
  harness = await startTestRouter();
  client = createHttpRouterClient({ adminUrl: harness.router.adminUrl, adminSecret: harness.adminSecret });
  const held: http.ServerResponse[] = [];
  const seen: string[] = [];
  await routeTo((req, res) => {
    seen.push(req.url!);
    held.push(res);
  });
  const opened = Array.from({ length: 257 }, (_, i) =>
    openRequest(harness.router.proxyUrl, { host: HOST, path: `/${i}` }, (res) => res.resume()),
  );
  for (const r of opened) {
    r.on('error', () => undefined);
    r.end();
  }
  await eventually(
    async () => held.length,
    (n) => n === 256,
  );
  await new Promise((r) => setTimeout(r, 200));
  expect(held.length).toBe(256); // the 257th waits for a connection
  const waiting = opened.find((_, i) => !seen.includes(`/${i}`))!;
  waiting.destroy();
  await new Promise((r) => setTimeout(r, 100));
  for (const res of held) res.end('done');
  await new Promise((r) => setTimeout(r, 300));
  expect(seen.length).toBe(256);
  const [stats] = (await client.stats('d-conn'))!.upstreams;
  expect(stats).toMatchObject({ requests: 257, inFlight: 0 });
});

test('a large POST to a dead upstream gets 502, and the same client connection carries the next request', async () => {
  const dead = await startUpstream('dead');
  await dead.close();
  await client.setRoute({ deploymentId: 'd-conn', hostname: HOST, upstreams: [{ key: 'dead', url: dead.url, weight: 100 }] });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(harness.router.proxyUrl);
  const post = (body: string) =>
    new Promise<{ status: number; port: number }>((resolve, reject) => {
      const req = http.request({ hostname: u.hostname, port: u.port, method: 'POST', path: '/', agent, headers: { host: HOST } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, port: req.socket!.localPort! }));
      });
      req.on('error', reject);
      req.end(body);
    });
  try {
    const first = await post('x'.repeat(1024 * 1024)); // far past the stream buffers: the router must read it to the end
    const second = await post('y');
    expect([first.status, second.status]).toEqual([502, 503]); // then it is out of rotation for the cool-down
    expect(second.port).toBe(first.port);
  } finally {
    agent.destroy();
  }
});
