import { liveRevisions } from '../../db/queries/revisions';
import { eventually } from '../helpers/apiClient';
import { answer, deployHello, helloRelease, runOperation } from '../helpers/hello';
import { useHelloStack } from '../helpers/helloStack';
import { ROUTERS } from '../helpers/trafficRouters';
import { keepRequesting } from '../helpers/trafficLoop';

/** Scale and cleanup through the API on the real stack, traffic through the router, on each router. */
describe.each(ROUTERS)('scale and cleanup (%s router)', (router) => {
  const h = useHelloStack(() => [helloRelease(1), helloRelease(2)], { router });

  const serving = async (id: string) =>
    (await liveRevisions(h.s.db, id))
      .filter((r) => r.status === 'serving')
      .map((r) => r.key)
      .sort();
  const live = async (id: string) => (await liveRevisions(h.s.db, id)).map((r) => `${r.release_version}:${r.status}`).sort();
  const routed = async (id: string) => ((await h.s.router.getRoute(id))?.upstreams.map((u) => u.key) ?? []).sort();

  it('scales up and down under load with 0 failed requests, never replacing a running replica', async () => {
    const d = await deployHello(h.tenant, { version: '1.0.0', name: 'scale', env: { GREETING: 's' } });
    const [original] = await serving(d.id);
    const traffic = keepRequesting(h.s.proxyPort, d.hostname);

    const up = await runOperation(h.tenant, 'POST', `/api/deployments/${d.id}/scale`, { replicas: 3 });
    expect(up).toMatchObject({ kind: 'scale', status: 'succeeded' });
    const three = await serving(d.id);
    expect(three).toHaveLength(3);
    expect(three).toContain(original);
    expect(await routed(d.id)).toEqual(three);
    // The router follows: every replica takes requests.
    await eventually('all three replicas to take requests', async () => {
      const stats = await h.s.router.stats(d.id);
      return stats && three.every((k) => (stats.upstreams.find((u) => u.key === k)?.requests ?? 0) > 0) ? true : undefined;
    });
    expect((await h.tenant('GET', `/api/deployments/${d.id}`)).body).toMatchObject({
      replicas: 3,
      status: 'running',
      servingVersion: '1.0.0',
    });

    const down = await runOperation(h.tenant, 'POST', `/api/deployments/${d.id}/scale`, { replicas: 1 });
    expect(down.status).toBe('succeeded');
    const report = await traffic.stop();
    expect(report.failures).toEqual([]);
    expect(report.ok).toBeGreaterThan(0);
    expect(await serving(d.id)).toEqual([original]);
    expect(await routed(d.id)).toEqual([original]);
    expect(await live(d.id)).toEqual(['1.0.0:serving']);
    expect((await h.tenant('GET', `/api/deployments/${d.id}`)).body.replicas).toBe(1);

    // A later upgrade runs the scaled count.
    await runOperation(h.tenant, 'POST', `/api/deployments/${d.id}/scale`, { replicas: 2 });
    expect((await runOperation(h.tenant, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' })).status).toBe('succeeded');
    expect((await live(d.id)).filter((r) => r === '2.0.0:serving')).toHaveLength(2);
  });

  it('refuses a bad replica count by field', async () => {
    const d = await deployHello(h.tenant, { version: '1.0.0', name: 'scale-bad', env: { GREETING: 'b' } });
    for (const body of [{ replicas: 0 }, { replicas: 21 }, { replicas: 1.5 }, {}, { replicas: 2, extra: 1 }]) {
      const r = await h.tenant('POST', `/api/deployments/${d.id}/scale`, body);
      expect(r.status).toBe(400);
      expect(r.body.fields.map((f: { field: string }) => f.field).join(',')).toMatch(/body/);
    }
    expect((await h.tenant('POST', `/api/deployments/${d.id}/scale`, { replicas: 0 })).body.fields).toEqual([
      expect.objectContaining({ field: 'body.replicas' }),
    ]);
  });

  it('cleanup ends the rollback window now: the warm revision stops, and a rollback then redeploys', async () => {
    const d = await deployHello(h.tenant, { version: '1.0.0', name: 'cleanup', env: { GREETING: 'c' } });
    await runOperation(h.tenant, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
    expect(await live(d.id)).toEqual(['1.0.0:warm', '2.0.0:serving']);
    const warmKey = (await liveRevisions(h.s.db, d.id)).find((r) => r.status === 'warm')!.key;

    const op = await runOperation(h.tenant, 'POST', `/api/deployments/${d.id}/cleanup`, {});
    expect(op).toMatchObject({ kind: 'cleanup', status: 'succeeded' });
    expect(await live(d.id)).toEqual(['2.0.0:serving']);
    expect(await h.s.compute.status(warmKey)).toBeNull();
    expect((await answer(h.s, d.hostname)).json.version).toBe('2.0.0');
    expect((await h.tenant('GET', `/api/deployments/${d.id}`)).body).toMatchObject({
      status: 'running',
      servingVersion: '2.0.0',
      previousVersion: '1.0.0',
    });

    const again = await runOperation(h.tenant, 'POST', `/api/deployments/${d.id}/cleanup`, {});
    const logs = (await h.tenant('GET', `/api/operations/${again.id}/logs`)).body.logs.map((l: { message: string }) => l.message);
    expect(logs).toContain('no warm revision to stop');

    const rollback = await runOperation(h.tenant, 'POST', `/api/deployments/${d.id}/rollback`, {});
    expect(rollback.status).toBe('succeeded');
    const rollbackLogs = (await h.tenant('GET', `/api/operations/${rollback.id}/logs`)).body.logs.map(
      (l: { message: string }) => l.message,
    );
    expect(rollbackLogs).toContain('no warm revision of 1.0.0: redeploying it');
    expect((await answer(h.s, d.hostname)).json.version).toBe('1.0.0');
  });
});
