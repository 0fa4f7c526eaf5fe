import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import { send, startTestRouter, startUpstream, type RouterHarness, type TestUpstream } from './httpFixtures';
import { rawStatus } from './rawHttp';

let harness: RouterHarness;
let a: TestUpstream;
let b: TestUpstream;

beforeAll(async () => {
  harness = await startTestRouter();
  a = await startUpstream('A');
  b = await startUpstream('B');
  const client = createHttpRouterClient({ adminUrl: harness.router.adminUrl, adminSecret: harness.adminSecret });
  await client.setRoute({ deploymentId: 'd-a', hostname: 'a.localhost', upstreams: [{ key: 'A', url: a.url, weight: 100 }] });
  await client.setRoute({ deploymentId: 'd-b', hostname: 'b.localhost', upstreams: [{ key: 'B', url: b.url, weight: 100 }] });
});

afterAll(async () => {
  await harness.close();
  await a.close();
  await b.close();
});

const request = (hosts: string[], extra = '') =>
  rawStatus(harness.router.proxyUrl, `GET / HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join('')}${extra}Connection: close\r\n\r\n`);

test('two Host headers at the router are a 400 whichever comes first, and no upstream sees the request', async () => {
  expect(await request(['a.localhost', 'b.localhost'])).toBe(400);
  expect(await request(['b.localhost', 'a.localhost'])).toBe(400);
  expect(await request(['a.localhost', 'a.localhost'])).toBe(400);
  expect(await request(['a.localhost', 'b.localhost'], 'Upgrade: websocket\r\nConnection: Upgrade\r\n')).toBe(400);
  const stats = (await createHttpRouterClient({ adminUrl: harness.router.adminUrl, adminSecret: harness.adminSecret }).stats('d-a'))!;
  expect(stats.upstreams[0].requests).toBe(0);
});

test('one Host header is still routed', async () => {
  expect(await request(['a.localhost'])).toBe(200);
  expect(JSON.parse((await send(harness.router.proxyUrl, { host: 'b.localhost' })).body).name).toBe('B');
});
