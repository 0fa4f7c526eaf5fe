import { liveRevisions } from '../../db/queries/revisions';
import { apiClient, eventually } from '../helpers/apiClient';
import { answer, deployHello, helloRelease, runOperation, type Api } from '../helpers/hello';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { ROUTERS } from '../helpers/trafficRouters';
import { keepRequesting } from '../helpers/trafficLoop';

/** Scale and cleanup through the API on the real stack, traffic through the router, on each router. */
describe.each(ROUTERS)('scale and cleanup (%s router)', (router) => {
  let s: SlipwayStack;
  let api: Api;

  beforeAll(async () => {
    s = await startSlipwayStack({ router });
    api = apiClient(s.apiUrl, await s.tenantToken('acme'));
    const admin = apiClient(s.apiUrl, s.adminToken);
    await admin('POST', '/api/apps', { slug: 'hello' });
    for (const body of [helloRelease(1), helloRelease(2)]) expect((await admin('POST', '/api/apps/hello/releases', body)).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
  });

  const serving = async (id: string) =>
    (await liveRevisions(s.db, id))
      .filter((r) => r.status === 'serving')
      .map((r) => r.key)
      .sort();
  const live = async (id: string) => (await liveRevisions(s.db, id)).map((r) => `${r.release_version}:${r.status}`).sort();
  const routed = async (id: string) => ((await s.router.getRoute(id))?.upstreams.map((u) => u.key) ?? []).sort();

  it('scales up and down under load with 0 failed requests, never replacing a running replica', async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'scale', env: { GREETING: 's' } });
    const [original] = await serving(d.id);
    const traffic = keepRequesting(s.proxyPort, d.hostname);

    const up = await runOperation(api, 'POST', `/api/deployments/${d.id}/scale`, { replicas: 3 });
    expect(up).toMatchObject({ kind: 'scale', status: 'succeeded' });
    const three = await serving(d.id);
    expect(three).toHaveLength(3);
    expect(three).toContain(original);
    expect(await routed(d.id)).toEqual(three);
    // The router follows: every replica takes requests.
    await eventually('all three replicas to take requests', async () => {
      const stats = await s.router.stats(d.id);
      return stats && three.every((k) => (stats.upstreams.find((u) => u.key === k)?.requests ?? 0) > 0) ? true : undefined;
    });
    expect((await api('GET', `/api/deployments/${d.id}`)).body).toMatchObject({ replicas: 3, status: 'running', servingVersion: '1.0.0' });

    const down = await runOperation(api, 'POST', `/api/deployments/${d.id}/scale`, { replicas: 1 });
    expect(down.status).toBe('succeeded');
    const report = await traffic.stop();
    expect(report.failures).toEqual([]);
    expect(report.ok).toBeGreaterThan(0);
    expect(await serving(d.id)).toEqual([original]);
    expect(await routed(d.id)).toEqual([original]);
    expect(await live(d.id)).toEqual(['1.0.0:serving']);
    expect((await api('GET', `/api/deployments/${d.id}`)).body.replicas).toBe(1);

    // A later upgrade runs the scaled count.
    await runOperation(api, 'POST', `/api/deployments/${d.id}/scale`, { replicas: 2 });
    expect((await runOperation(api, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' })).status).toBe('succeeded');
    expect((await live(d.id)).filter((r) => r === '2.0.0:serving')).toHaveLength(2);
  });

  it('refuses a bad replica count by field', async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'scale-bad', env: { GREETING: 'b' } });
    for (const body of [{ replicas: 0 }, { replicas: 21 }, { replicas: 1.5 }, {}, { replicas: 2, extra: 1 }]) {
      const r = await api('POST', `/api/deployments/${d.id}/scale`, body);
      expect(r.status).toBe(400);
      expect(r.body.fields.map((f: { field: string }) => f.field).join(',')).toMatch(/body/);
    }
    expect((await api('POST', `/api/deployments/${d.id}/scale`, { replicas: 0 })).body.fields).toEqual([
      expect.objectContaining({ field: 'body.replicas' }),
    ]);
  });

  it('cleanup ends the rollback window now: the warm revision stops, and a rollback then redeploys', async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'cleanup', env: { GREETING: 'c' } });
    await runOperation(api, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
    expect(await live(d.id)).toEqual(['1.0.0:warm', '2.0.0:serving']);
    const warmKey = (await liveRevisions(s.db, d.id)).find((r) => r.status === 'warm')!.key;

    const op = await runOperation(api, 'POST', `/api/deployments/${d.id}/cleanup`, {});
    expect(op).toMatchObject({ kind: 'cleanup', status: 'succeeded' });
    expect(await live(d.id)).toEqual(['2.0.0:serving']);
    expect(await s.compute.status(warmKey)).toBeNull();
    expect((await answer(s, d.hostname)).json.version).toBe('2.0.0');
    expect((await api('GET', `/api/deployments/${d.id}`)).body).toMatchObject({
      status: 'running',
      servingVersion: '2.0.0',
      previousVersion: '1.0.0',
    });

    const again = await runOperation(api, 'POST', `/api/deployments/${d.id}/cleanup`, {});
    const logs = (await api('GET', `/api/operations/${again.id}/logs`)).body.logs.map((l: { message: string }) => l.message);
    expect(logs).toContain('no warm revision to stop');

    const rollback = await runOperation(api, 'POST', `/api/deployments/${d.id}/rollback`, {});
    expect(rollback.status).toBe('succeeded');
    const rollbackLogs = (await api('GET', `/api/operations/${rollback.id}/logs`)).body.logs.map((l: { message: string }) => l.message);
    expect(rollbackLogs).toContain('no warm revision of 1.0.0: redeploying it');
    expect((await answer(s, d.hostname)).json.version).toBe('1.0.0');
  });
});
