import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import { createRouteStore } from '../../traffic/builtin/routeStore';
import type { RouteSpec } from '../../ports/traffic';
import { send, startTestRouter, startUpstream } from './httpFixtures';

const spec = (i: number, url = 'http://127.0.0.1:1'): RouteSpec => ({
  deploymentId: `d-${i}`,
  hostname: `d-${i}.localhost`,
  upstreams: [{ key: `r-${i}`, url, weight: 100 }],
  suspended: null,
});

test('saves that arrive while a write runs share the next write, and every caller waits for a durable one', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-store-'));
  try {
    const store = createRouteStore(path.join(dir, 'routes.json'));
    const routes: RouteSpec[] = [];
    let snapshots = 0;
    const snapshot = () => {
      snapshots += 1;
      return [...routes];
    };
    const saves: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      routes.push(spec(i));
      saves.push(store.save(snapshot));
    }
    await Promise.all(saves);
    expect(snapshots).toBe(2); // the first write, then one for the 49 that queued behind it
    expect((await store.load()).map((r) => r.deploymentId)).toEqual(routes.map((r) => r.deploymentId));
    expect(await readdir(dir)).toEqual(['routes.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a failed snapshot rejects only its batch; the store keeps working', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-store-'));
  try {
    const store = createRouteStore(path.join(dir, 'routes.json'));
    await expect(
      store.save(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await store.save(() => [spec(1)]);
    expect(await store.load()).toEqual([spec(1)]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('200 concurrent PUTs all succeed, all persist, and a restarted router serves every one', async () => {
  const harness = await startTestRouter();
  const app = await startUpstream('app');
  try {
    const client = createHttpRouterClient({ adminUrl: harness.router.adminUrl, adminSecret: harness.adminSecret });
    const ids = Array.from({ length: 200 }, (_, i) => i);
    await Promise.all(ids.map((i) => client.setRoute(spec(i, app.url))));
    await Promise.all(ids.filter((i) => i % 10 === 0).map((i) => client.removeRoute(`d-${i}`)));

    const saved = JSON.parse(await readFile(harness.stateFile, 'utf8')) as { version: number; routes: RouteSpec[] };
    expect(saved.version).toBe(1);
    expect(saved.routes).toHaveLength(180);

    const restarted = await harness.restart();
    const after = createHttpRouterClient({ adminUrl: restarted.adminUrl, adminSecret: harness.adminSecret });
    for (const i of [1, 99, 199]) expect(await after.getRoute(`d-${i}`)).toEqual(spec(i, app.url));
    expect(await after.getRoute('d-10')).toBeNull();
    expect((await send(restarted.proxyUrl, { host: 'd-151.localhost' })).status).toBe(200);
    const health = (await (await fetch(`${restarted.adminUrl}/healthz`)).json()) as { routes: number };
    expect(health.routes).toBe(180);
  } finally {
    await harness.close();
    await app.close();
  }
});
