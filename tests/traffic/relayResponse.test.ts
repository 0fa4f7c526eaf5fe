import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import {
  deferred,
  openRequest,
  send,
  startTestRouter,
  startUpstream,
  type Handler,
  type RouterHarness,
  type TestUpstream,
} from './httpFixtures';

const HOST = 'd-relay.localhost';
let harness: RouterHarness;
let upstream: TestUpstream | undefined;

beforeEach(async () => {
  harness = await startTestRouter();
});

afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
  await harness.close();
});

async function routeToUpstream(handler: Handler): Promise<void> {
  upstream = await startUpstream('U', handler);
  const client = createHttpRouterClient({ adminUrl: harness.router.adminUrl, adminSecret: harness.adminSecret });
  await client.setRoute({ deploymentId: 'd-relay', hostname: HOST, upstreams: [{ key: 'U', url: upstream.url, weight: 100 }] });
}

test('a chunked reply that arrived whole reaches the client sized, body intact', async () => {
  await routeToUpstream((_req, res) => {
    // writeHead then write/end: Node sends this chunked, as many apps do.
    res.writeHead(201, { 'content-type': 'text/plain', 'x-app': 'yes' });
    res.write('hello, ');
    res.end('wörld');
  });
  const res = await send(harness.router.proxyUrl, { host: HOST });
  expect(res.status).toBe(201);
  expect(res.body).toBe('hello, wörld');
  expect(res.headers['content-length']).toBe(String(Buffer.byteLength('hello, wörld')));
  expect(res.headers['transfer-encoding']).toBeUndefined();
  expect(res.headers['x-app']).toBe('yes');
});

test('a chunked reply still being written streams: the client sees the headers and first chunk before the end', async () => {
  const finish = deferred<void>();
  await routeToUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\n\n');
    void finish.promise.then(() => res.end('data: last\n\n'));
  });
  const firstChunk = deferred<{ status: number; chunked: boolean; text: string }>();
  const body = deferred<string>();
  const req = openRequest(harness.router.proxyUrl, { host: HOST }, (res) => {
    let text = '';
    res.on('data', (c: Buffer) => {
      text += c.toString();
      firstChunk.resolve({ status: res.statusCode!, chunked: res.headers['transfer-encoding'] === 'chunked', text });
    });
    res.on('end', () => body.resolve(text));
  });
  req.end();
  // Only resolves if the router passed the first chunk on while the upstream still holds the response open.
  await expect(firstChunk.promise).resolves.toEqual({ status: 200, chunked: true, text: 'data: first\n\n' });
  finish.resolve();
  await expect(body.promise).resolves.toBe('data: first\n\ndata: last\n\n');
});

test('HEAD of a chunked resource gets no invented Content-Length', async () => {
  await routeToUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('not sent for HEAD');
  });
  const res = await send(harness.router.proxyUrl, { host: HOST, method: 'HEAD' });
  expect(res.status).toBe(200);
  expect(res.body).toBe('');
  expect(res.headers['content-length']).toBeUndefined();
});
