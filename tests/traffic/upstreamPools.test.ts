import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import { UpstreamPools } from '../../traffic/builtin/upstreamPools';
import { deferred, eventually, startUpstream, type TestUpstream } from './httpFixtures';

let up: TestUpstream;
let pools: UpstreamPools;
let sockets: Set<Socket>;
let held: ServerResponse[];

beforeEach(async () => {
  sockets = new Set();
  held = [];
  up = await startUpstream(
    'U',
    (req, res) => {
      if (req.url === '/hold') held.push(res);
      else res.end('ok');
    },
    (server) => server.on('connection', (s: Socket) => sockets.add(s)),
  );
});

afterEach(async () => {
  for (const res of held) res.end();
  pools.destroyAll();
  await up.close();
});

const get = async (path: string) => {
  const res = await pools.forOrigin(up.url).request({ path, method: 'GET' });
  return res.body.text();
};

test('a pool with a request in flight survives a sweep, and the request completes', async () => {
  pools = new UpstreamPools({ connectTimeoutMs: 1000, keepAliveTimeoutMs: 200 });
  const pending = get('/hold');
  await eventually(
    async () => held.length,
    (n) => n === 1,
  );
  expect(pools.sweepIdle()).toBe(0);
  expect(pools.size).toBe(1);
  held[0].end('done');
  await expect(pending).resolves.toBe('done');
});

test('a request queued for a connection keeps its pool through a sweep', async () => {
  pools = new UpstreamPools({ connectTimeoutMs: 1000, connections: 1, keepAliveTimeoutMs: 200 });
  const first = get('/hold');
  await eventually(
    async () => held.length,
    (n) => n === 1,
  );
  const queued = get('/after');
  expect(pools.sweepIdle()).toBe(0);
  held[0].end('first');
  await expect(Promise.all([first, queued])).resolves.toEqual(['first', 'ok']);
});

test('an idle connection closes after the keep-alive timeout, and then the sweep forgets the pool', async () => {
  pools = new UpstreamPools({ connectTimeoutMs: 1000, keepAliveTimeoutMs: 200 });
  expect(await get('/a')).toBe('ok');
  // undici frees a connection one turn after its response (the body resolves before that);
  // a proxied request never arrives sooner than that.
  await new Promise((r) => setImmediate(r));
  expect(await get('/b')).toBe('ok');
  expect(sockets.size).toBe(1); // kept alive and reused
  expect(pools.sweepIdle()).toBe(0); // a pooled connection is still open
  const closed = deferred();
  [...sockets][0].once('close', () => closed.resolve());
  await closed.promise;
  await eventually(
    async () => pools.sweepIdle(),
    (n) => n === 1,
  );
  expect(pools.size).toBe(0);
  expect(await get('/c')).toBe('ok'); // a fresh pool on the next request
});

test('connections per upstream are bounded; requests past the bound wait for one', async () => {
  pools = new UpstreamPools({ connectTimeoutMs: 1000, connections: 2 });
  const pending = [1, 2, 3, 4].map(() => get('/hold'));
  await eventually(
    async () => held.length,
    (n) => n === 2,
  );
  await new Promise((r) => setTimeout(r, 50));
  expect([held.length, sockets.size]).toEqual([2, 2]);
  for (let served = 0; served < 4; served++) {
    await eventually(
      async () => held.length,
      (n) => n > served,
    );
    held[served].end('x');
  }
  await expect(Promise.all(pending)).resolves.toEqual(['x', 'x', 'x', 'x']);
  expect(sockets.size).toBe(2);
});

test('destroyAll cuts what is in flight and forgets every pool', async () => {
  pools = new UpstreamPools({ connectTimeoutMs: 1000 });
  const pending = get('/hold');
  await eventually(
    async () => held.length,
    (n) => n === 1,
  );
  pools.destroyAll();
  await expect(pending).rejects.toThrow();
  expect(pools.size).toBe(0);
});
