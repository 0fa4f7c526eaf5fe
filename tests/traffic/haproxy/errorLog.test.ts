import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createHaproxyRouter } from '../../../traffic/haproxy/haproxyRouter';
import { parseAbnormalRequest, type AbnormalRequest } from '../../../traffic/haproxy/errorLog';
import { startTestHaproxy, type TestHaproxy } from '../../helpers/trafficRouters';
import { eventually, openRequest, send, startUpstream, type TestUpstream } from '../httpFixtures';

/** SLIPWAY_HAPROXY_ERROR_LOG: a request that goes wrong leaves one line naming its slot and phase; a normal one leaves none. */
let dir: string;
let haproxy: TestHaproxy;
let healthy: TestUpstream;
let silent: net.Server;
const held: net.Socket[] = [];
let output = '';

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-haproxy-log-'));
  healthy = await startUpstream('A');
  // Accepts and reads, never answers: the upstream a starved or hung app looks like.
  silent = net.createServer((socket) => held.push(socket.on('data', () => undefined).on('error', () => undefined)));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  output = '';
  haproxy = await startTestHaproxy(dir, 1000, { errorLog: true, onOutput: (text) => (output += text) });
});

afterEach(async () => {
  await haproxy.close();
  await healthy.close();
  for (const s of held.splice(0)) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const logged = (): AbnormalRequest[] =>
  output
    .split('\n')
    .map(parseAbnormalRequest)
    .filter((r): r is AbnormalRequest => r !== null);

test('a client that gives up on a silent slot is logged with the slot, the phase and the wait; a served request is not', async () => {
  const router = await createHaproxyRouter(haproxy.settings);
  await router.setRoute({ deploymentId: 'ok', hostname: 'ok.localhost', upstreams: [{ key: 'a', url: healthy.url, weight: 1 }] });
  const { port } = silent.address() as net.AddressInfo;
  await router.setRoute({
    deploymentId: 'hung',
    hostname: 'hung.localhost',
    upstreams: [{ key: 'h', url: `http://127.0.0.1:${port}`, weight: 1 }],
  });

  expect((await send(haproxy.proxyUrl, { host: 'ok.localhost' })).status).toBe(200);
  const startedAt = Date.now();
  const req = openRequest(haproxy.proxyUrl, { host: 'hung.localhost' }, () => undefined);
  req.on('error', () => undefined);
  req.end();
  await new Promise((r) => setTimeout(r, 300));
  req.destroy();

  const [line] = await eventually(
    async () => logged(),
    (rows) => rows.length > 0,
  );
  const ok = (await router.stats('ok'))!;
  expect(ok.upstreams[0].requests).toBe(1);
  expect(logged()).toHaveLength(1);
  expect(line.server).toBe('s1');
  expect(line.backend).toMatch(/^be_\d{3}$/);
  // C = the client ended it, H = while HAProxy waited for the slot's response headers.
  expect(line.termination).toBe('CH');
  expect(line.timers.connect).toBeGreaterThanOrEqual(0);
  expect(line.timers.response).toBe(-1);
  expect(line.timers.total).toBeGreaterThanOrEqual(250);
  expect(Math.abs(line.atMs - startedAt)).toBeLessThan(5000);
  expect(output).not.toContain('hung.localhost');
});

test('lines HAProxy prints that are not request records parse to nothing', () => {
  expect(parseAbnormalRequest('[NOTICE]   (15762) : New worker (15769) forked')).toBeNull();
  expect(parseAbnormalRequest('1733078570.523 be_001/s2 0/0/1/-1/5003 504 sH 0')).toMatchObject({
    atMs: 1733078570523,
    backend: 'be_001',
    server: 's2',
    status: 504,
    termination: 'sH',
    timers: { request: 0, queue: 0, connect: 1, response: -1, total: 5003 },
  });
});
