import http from 'node:http';
import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import type { TrafficRouter } from '../../ports/traffic';
import { eventually, send, startTestRouter, startUpstream, type RouterHarness, type TestResponse, type TestUpstream } from './httpFixtures';

const HOST = 'd-big.localhost';
const LIMIT = 1000;
let harness: RouterHarness;
let client: TrafficRouter;
let up: TestUpstream;
let upstreamRequests = 0;

beforeEach(async () => {
  harness = await startTestRouter({ maxBodyBytes: LIMIT });
  client = createHttpRouterClient({ adminUrl: harness.router.adminUrl, adminSecret: harness.adminSecret });
  upstreamRequests = 0;
  up = await startUpstream('echo', (req, res) => {
    upstreamRequests += 1;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.end(String(Buffer.concat(chunks).length)));
    req.on('error', () => undefined);
  });
  await client.setRoute({ deploymentId: 'd-big', hostname: HOST, upstreams: [{ key: 'echo', url: up.url, weight: 100 }] });
});

afterEach(async () => {
  await harness.close();
  await up.close();
});

/** Sends a chunked body piece by piece, stopping early if the answer comes first. */
function sendChunked(pieces: string[]): Promise<TestResponse> {
  const u = new URL(harness.router.proxyUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname: u.hostname,
        port: u.port,
        method: 'POST',
        path: '/',
        agent: false,
        headers: { host: HOST, 'transfer-encoding': 'chunked' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    for (const p of pieces) req.write(p);
    // Deliberately not ended when over the limit: the router must answer without waiting for the rest.
    if (pieces.join('').length <= LIMIT) req.end();
  });
}

test('a declared Content-Length over the limit is refused with 413 before any upstream sees it', async () => {
  const res = await send(harness.router.proxyUrl, { host: HOST, method: 'POST', body: 'x'.repeat(LIMIT + 1) });
  expect(res.status).toBe(413);
  expect(res.headers.connection).toBe('close');
  expect(JSON.parse(res.body)).toMatchObject({ code: 'payload_too_large' });
  expect(upstreamRequests).toBe(0);
});

test('a body at the limit goes through', async () => {
  const res = await send(harness.router.proxyUrl, { host: HOST, method: 'POST', body: 'x'.repeat(LIMIT) });
  expect(res.status).toBe(200);
  expect(res.body).toBe(String(LIMIT));
  expect((await sendChunked(['a'.repeat(600), 'b'.repeat(400)])).body).toBe(String(LIMIT));
});

test('a chunked body that grows past the limit aborts the upstream request and answers 413', async () => {
  const res = await sendChunked(['a'.repeat(600), 'b'.repeat(600)]);
  expect(res.status).toBe(413);
  expect(JSON.parse(res.body)).toMatchObject({ code: 'payload_too_large' });
  const stats = await eventually(
    () => client.stats('d-big'),
    (s) => s!.upstreams[0].inFlight === 0,
  );
  expect(stats!.upstreams[0]).toMatchObject({ requests: 1, errors5xx: 0 });
  // The router keeps serving.
  expect((await send(harness.router.proxyUrl, { host: HOST, method: 'POST', body: 'ok' })).body).toBe('2');
});
