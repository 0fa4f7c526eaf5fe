import http, { type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { createLogger } from '../../src/logger';
import type { TrafficRouter } from '../../ports/traffic';
import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import { ROUTERS, startTestTrafficRouter, type TestTrafficRouter } from '../helpers/trafficRouters';
import { eventually, startTestRouter, startUpstream, type RouterHarness, type TestUpstream } from './httpFixtures';

const HOST = 'd-ws.localhost';
let proxyUrl: string;
let client: TrafficRouter;
let echo: TestUpstream;

/** A tiny WebSocket-ish upstream: answers 101 to `Upgrade: echo` and echoes every byte; refuses other protocols with 426. */
function echoUpgrade(server: http.Server) {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // HAProxy stopping resets its side of a tunnel; that reset is not what these tests look at.
    socket.on('error', () => undefined);
    if (req.headers.upgrade !== 'echo') {
      socket.end('HTTP/1.1 426 Upgrade Required\r\ncontent-type: text/plain\r\ncontent-length: 9\r\nconnection: close\r\n\r\nuse echo!');
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Seen-Host: ${req.headers.host}\r\n\r\n`);
    if (head.length > 0) socket.write(head);
    socket.pipe(socket);
  });
}

async function routeEcho(): Promise<void> {
  echo = await startUpstream('echo', (_req, res) => res.end('plain'), echoUpgrade);
  await client.setRoute({ deploymentId: 'd-ws', hostname: HOST, upstreams: [{ key: 'echo', url: echo.url, weight: 100 }] });
}

function openUpgrade(protocol: string, host = HOST): Promise<{ res: IncomingMessage; socket?: Duplex; head?: Buffer }> {
  const u = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      hostname: u.hostname,
      port: u.port,
      path: '/socket',
      agent: false,
      headers: { host, connection: 'Upgrade', upgrade: protocol },
    });
    req.on('upgrade', (res, socket, head) => resolve({ res, socket, head }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ res, head: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function readSome(socket: Duplex, bytes: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (c: Buffer) => {
      got += c.toString();
      if (got.length >= bytes) {
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
  });
}

describe.each(ROUTERS)('upgrade pass-through (%s router)', (kind) => {
  let router: TestTrafficRouter;
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-upgrade-'));
    router = await startTestTrafficRouter(kind, dir, createLogger('router-test', 'silent'));
    proxyUrl = router.proxyUrl;
    client = router.router;
    await routeEcho();
  });

  afterEach(async () => {
    await router.close();
    await echo.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('an Upgrade request is tunnelled both ways and counts as in flight until it closes', async () => {
    const { res, socket, head } = await openUpgrade('echo');
    expect(res.statusCode).toBe(101);
    expect(res.headers['x-seen-host']).toBe(HOST);
    expect(head!.length).toBe(0);
    const reply = readSome(socket!, 9);
    socket!.write('ping-pong');
    expect(await reply).toBe('ping-pong');
    expect((await client.stats('d-ws'))!.upstreams[0]).toMatchObject({ requests: 1, inFlight: 1 });

    socket!.destroy();
    const stats = await eventually(
      () => client.stats('d-ws'),
      (s) => s!.upstreams[0].inFlight === 0,
    );
    expect(stats!.upstreams[0]).toMatchObject({ requests: 1, errors5xx: 0 });
  });

  test('an open tunnel holds a drain: the old upstream stays in stats after a swap until the socket closes', async () => {
    const { socket } = await openUpgrade('echo');
    const other = await startUpstream('B');
    try {
      await client.setRoute({ deploymentId: 'd-ws', hostname: HOST, upstreams: [{ key: 'B', url: other.url, weight: 100 }] });
      expect((await client.stats('d-ws'))!.upstreams.map((u) => [u.key, u.inFlight])).toEqual([
        ['B', 0],
        ['echo', 1],
      ]);
      const reply = readSome(socket!, 5);
      socket!.write('still');
      expect(await reply).toBe('still'); // the swap does not cut an open tunnel
      socket!.end();
      await eventually(
        () => client.stats('d-ws'),
        (s) => s!.upstreams.length === 1,
      );
    } finally {
      socket!.destroy();
      await other.close();
    }
  });

  test('an upstream that declines the upgrade passes its answer through', async () => {
    const { res, head } = await openUpgrade('other');
    expect(res.statusCode).toBe(426);
    expect(head!.toString()).toBe('use echo!');
    await eventually(
      () => client.stats('d-ws'),
      (s) => s!.upstreams[0].inFlight === 0,
    );
  });

  test('an upgrade for an unknown host answers 404 route_not_found', async () => {
    const { res, head } = await openUpgrade('echo', 'nobody.localhost');
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(head!.toString())).toMatchObject({ code: 'route_not_found' });
  });
});

describe('upgrade pass-through (built-in router only)', () => {
  let harness: RouterHarness;

  beforeEach(async () => {
    harness = await startTestRouter();
    proxyUrl = harness.router.proxyUrl;
    client = createHttpRouterClient({ adminUrl: harness.router.adminUrl, adminSecret: harness.adminSecret });
    await routeEcho();
  });

  afterEach(async () => {
    await harness.close();
    await echo.close();
  });

  test("a tunnel's lifetime is not counted as a response time", async () => {
    const { res, socket } = await openUpgrade('echo');
    expect(res.statusCode).toBe(101);
    socket!.destroy();
    const stats = await eventually(
      () => client.stats('d-ws'),
      (s) => s!.upstreams[0].inFlight === 0,
    );
    expect(stats!.upstreams[0].latency!.count).toBe(0);
  });

  test('router close ends open tunnels after the grace period', async () => {
    const { socket } = await openUpgrade('echo');
    const closed = new Promise<void>((resolve) => socket!.once('close', () => resolve()));
    socket!.on('error', () => undefined);
    await harness.router.close();
    await closed;
  });
});
