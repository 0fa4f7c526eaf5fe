import http from 'node:http';
import { startOperation } from '../../api/operationStarter';
import { findDeployment } from '../../db/queries/deployments';
import { liveRevisions } from '../../db/queries/revisions';
import type { Strategy } from '../../domain/operations';
import type { StrategyOptions } from '../../domain/strategy';
import { noFaults } from '../../ports/faultPoints';
import { createLogger } from '../../src/logger';
import { apiClient, eventually } from '../helpers/apiClient';
import { answer, deployHello, helloRelease, runOperation, waitForOperation, type Api } from '../helpers/hello';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { keepRequesting } from '../helpers/trafficLoop';
import { ROUTER_COMPUTE_AND_KUBERNETES } from '../helpers/computeProviders';
import { CLUSTER_SETUP_TIMEOUT_MS } from '../helpers/kubernetesCluster';

/** Rolling and canary strategies, and drains, against the real stack with traffic flowing, on each router. */
describe.each(ROUTER_COMPUTE_AND_KUBERNETES)('strategies (%s router, %s compute)', (router, compute) => {
  let s: SlipwayStack;
  let api: Api;

  beforeAll(async () => {
    s = await startSlipwayStack({ router, compute, drainTimeoutSeconds: 30 });
    const image = s.containers?.appImage;
    api = apiClient(s.apiUrl, await s.tenantToken('acme'));
    const admin = apiClient(s.apiUrl, s.adminToken);
    await admin('POST', '/api/apps', { slug: 'hello' });
    for (const body of [
      helloRelease(1, { image }),
      helloRelease(2, { image }),
      helloRelease(2, { version: '2.0.2-bad', failRoot: true, image }),
    ]) {
      expect((await admin('POST', '/api/apps/hello/releases', body)).status).toBe(201);
    }
  }, CLUSTER_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await s?.close();
  });

  const logLines = async (opId: string): Promise<{ phase: string; message: string }[]> =>
    (await api('GET', `/api/operations/${opId}/logs`)).body.logs;
  const live = async (id: string) => (await liveRevisions(s.db, id)).map((r) => `${r.release_version}:${r.status}`).sort();

  it('rolls 3 replicas one by one: each new replica ready before an old one leaves, zero failed requests', async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'rolling', strategy: 'rolling', replicas: 3, env: { GREETING: 'r' } });
    expect(await live(d.id)).toEqual(['1.0.0:serving', '1.0.0:serving', '1.0.0:serving']);
    const traffic = keepRequesting(s.proxyPort, d.hostname);
    const op = await runOperation(api, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
    const report = await traffic.stop();
    expect(op.status).toBe('succeeded');
    expect(report.failures).toEqual([]);
    expect([...report.versions.keys()].sort()).toEqual(['1.0.0', '2.0.0']);
    expect(await live(d.id)).toEqual(['2.0.0:serving', '2.0.0:serving', '2.0.0:serving']);

    // Order from the operation log: ready(r_i) < route step i < old replica i stopped < started(r_i+1).
    const messages = (await logLines(op.id)).map((l) => l.message);
    const at = (re: RegExp) => messages.findIndex((m) => re.test(m));
    for (let i = 0; i < 3; i++) {
      const ready = at(new RegExp(`-r${i} ready after`));
      const routed = at(new RegExp(`^route: (.*-r\\d+×100, ){2}.*-r\\d+×100$`));
      expect(ready).toBeGreaterThan(-1);
      expect(routed).toBeGreaterThan(-1);
      if (i < 2) expect(ready).toBeLessThan(at(new RegExp(`started .*-r${i + 1} \\(pid`)));
    }
    // Every route step kept exactly 3 upstreams (max unavailable 0).
    const routes = messages.filter((m) => m.startsWith('route: '));
    expect(routes).toHaveLength(3);
    for (const r of routes) expect(r.split(', ')).toHaveLength(3);
  });

  it('promotes a canary on request, skipping the remaining pauses', async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'canary-promote', env: { GREETING: 'c' } });
    const started = await api('POST', `/api/deployments/${d.id}/upgrade`, {
      version: '2.0.0',
      strategy: 'canary',
      canary: { steps: [10, 50, 100], pauseSeconds: 600 },
    });
    expect(started.status).toBe(202);
    const opId = started.body.operation.id;
    await eventually('canary at 10%', async () =>
      (await logLines(opId)).some((l) => /^route: .*×900.*×100$|^route: .*×100.*×900$/.test(l.message) || /canary/.test(l.message))
        ? true
        : undefined,
    );
    await eventually('route to carry the canary', async () => ((await s.router.getRoute(d.id))?.upstreams.length === 2 ? true : undefined));
    const weights = (await s.router.getRoute(d.id))!.upstreams.map((u) => u.weight).sort((a, b) => a - b);
    expect(weights).toEqual([10, 90]);
    // The router takes the weights a moment before the revision rows read serving.
    await eventually('both revisions to serve', async () =>
      (await live(d.id)).join() === '1.0.0:serving,2.0.0:serving' ? true : undefined,
    );

    const promoted = await api('POST', `/api/deployments/${d.id}/canary/promote`, {});
    expect(promoted.status).toBe(202);
    const op = await waitForOperation(api, opId, 30_000);
    expect(op.status).toBe('succeeded');
    expect((await logLines(opId)).map((l) => l.message).join('\n')).toMatch(/promoted by tenant:tenant-acme at 10%/);
    expect((await answer(s, d.hostname)).json.version).toBe('2.0.0');
    expect(await live(d.id)).toEqual(['1.0.0:warm', '2.0.0:serving']);
    expect((await api('POST', `/api/deployments/${d.id}/canary/promote`, {})).status).toBe(409);
  });

  it('aborts a canary whose 5xx rate exceeds the threshold, and sends all traffic back to stable', async () => {
    const d = await deployHello(api, { version: '2.0.0', name: 'canary-bad', env: { GREETING: 'b' } });
    const traffic = keepRequesting(s.proxyPort, d.hostname);
    const op = await runOperation(api, 'POST', `/api/deployments/${d.id}/upgrade`, {
      version: '2.0.2-bad',
      strategy: 'canary',
      canary: { steps: [25, 100], pauseSeconds: 120, maxErrorRate: 0.05, minRequests: 10 },
    });
    const report = await traffic.stop();
    expect(op.status).toBe('failed');
    expect(op.error).toEqual({
      type: 'CanaryAborted',
      message: expect.stringMatching(/canary aborted at 25%: canary 5xx rate 100\.0% vs stable 0\.0%/),
    });
    // Only the canary's share failed, and only while it had weight.
    expect(report.failures.length).toBeGreaterThan(0);
    expect(report.failures.every((f) => f.status === 500 && f.body.includes('2.0.2-bad'))).toBe(true);
    expect((await answer(s, d.hostname)).json.version).toBe('2.0.0');
    expect(await live(d.id)).toEqual(['2.0.0:serving']);
    expect(await api('GET', `/api/deployments/${d.id}`).then((r) => r.body)).toMatchObject({ servingVersion: '2.0.0', status: 'failed' });
  });

  it('aborts a canary on request', async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'canary-abort', env: { GREETING: 'a' } });
    const started = await api('POST', `/api/deployments/${d.id}/upgrade`, {
      version: '2.0.0',
      strategy: 'canary',
      canary: { steps: [20, 100], pauseSeconds: 600 },
    });
    await eventually('canary routed', async () => ((await s.router.getRoute(d.id))?.upstreams.length === 2 ? true : undefined));
    expect((await api('POST', `/api/deployments/${d.id}/canary/abort`, {})).status).toBe(202);
    const op = await waitForOperation(api, started.body.operation.id, 30_000);
    expect(op.error).toEqual({ type: 'CanaryAborted', message: 'canary aborted at 20% by tenant:tenant-acme' });
    expect((await answer(s, d.hostname)).json.version).toBe('1.0.0');
    expect(await live(d.id)).toEqual(['1.0.0:serving']);
  });

  it('waits for a slow in-flight request on the old revision before the operation finishes', async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'drain', env: { GREETING: 'd' } });
    let slowEndedAt = 0;
    const slow = new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: s.proxyPort, path: '/slow?ms=3000', headers: { host: d.hostname }, agent: false },
        (res) => {
          res.resume();
          res.on('end', () => {
            slowEndedAt = Date.now();
            resolve(res.statusCode ?? 0);
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    await eventually('slow request in flight', async () =>
      (await s.router.stats(d.id))?.upstreams.some((u) => u.inFlight > 0) ? true : undefined,
    );
    const op = await runOperation(api, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
    expect(await slow).toBe(200);
    expect(op.status).toBe('succeeded');
    // Causal order, not a timing bound: the operation finished only after the slow request did.
    expect(new Date(op.finishedAt).getTime()).toBeGreaterThanOrEqual(slowEndedAt - 50);
    expect((await logLines(op.id)).map((l) => l.message).join('\n')).toMatch(/previous revision drained in \d+ ms/);
  });

  /**
   * Rows the API would never write (it validates strategy and canary options first): written
   * here through startOperation, as a hand-edited row or an older shape would be.
   */
  describe('operations whose stored strategy is not runnable', () => {
    const upgradeWith = async (deploymentId: string, strategy: string, strategyOptions: unknown) => {
      const deployment = (await findDeployment(s.db, deploymentId))!;
      const op = await startOperation(
        {
          db: s.db,
          temporal: { client: s.temporal.client, taskQueue: s.worker.taskQueue },
          logger: createLogger('test', 'warn'),
          faults: noFaults,
        },
        {
          deployment,
          kind: 'upgrade',
          trigger: 'api',
          actor: 'test',
          toVersion: '2.0.0',
          strategy: strategy as Strategy,
          strategyOptions: strategyOptions as StrategyOptions,
        },
      );
      return waitForOperation(api, op.id);
    };

    it('fails bad stored canary options by field instead of running with the defaults; the old version keeps serving', async () => {
      const d = await deployHello(api, { version: '1.0.0', name: 'canary-bad-options', env: { GREETING: 'o' } });
      const op = await upgradeWith(d.id, 'canary', { canary: { steps: [50, 25, 100] } });
      expect(op.status).toBe('failed');
      expect(op.error).toEqual({
        type: 'InvalidStrategyOptions',
        message: 'stored strategy options are invalid at strategy_options.canary.steps: steps must rise',
      });
      expect((await answer(s, d.hostname)).json.version).toBe('1.0.0');
      expect(await live(d.id)).toEqual(['1.0.0:serving']);
    });

    it('fails an unknown strategy by name instead of running it as blue-green; the old version keeps serving', async () => {
      const d = await deployHello(api, { version: '1.0.0', name: 'unknown-strategy', env: { GREETING: 'u' } });
      const op = await upgradeWith(d.id, 'blue-green', null);
      expect(op.status).toBe('failed');
      expect(op.error).toEqual({
        type: 'UnknownStrategy',
        message: 'unknown strategy "blue-green"; expected one of recreate, rolling, blue_green, canary',
      });
      expect((await answer(s, d.hostname)).json.version).toBe('1.0.0');
      expect(await live(d.id)).toEqual(['1.0.0:serving']);
    });
  });
});
