import type { temporal } from '@temporalio/proto';
import { replayFailures } from '../helpers/temporalEnv';
import { helloRelease, answer, waitForOperation, type Api } from '../helpers/hello';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { keepRequesting } from '../helpers/trafficLoop';
import { apiClient, eventually } from '../helpers/apiClient';
import { maxOverlap, rollout, rolloutOperations, setUpFleet, startRollout, waitForRollout } from './fleet';

/**
 * Fleet rollouts against the real stack: real Temporal, Postgres, router and hello-app
 * processes. One fleet of six; each case moves it to a new release.
 */
describe('mass upgrade', () => {
  let s: SlipwayStack;
  let admin: Api;
  let fleet: { id: string; hostname: string }[];
  const versionOf = async (hostname: string) => (await answer(s, hostname)).json.version;

  beforeAll(async () => {
    s = await startSlipwayStack({ readinessTimeoutSeconds: 20, drainTimeoutSeconds: 1 });
    ({ admin, fleet } = await setUpFleet(s, 6, ['2.0.0', '3.0.0', '4.0.0', '5.0.0']));
    expect(
      (
        await admin(
          'POST',
          '/api/apps/hello/releases',
          helloRelease(2, { version: '9.9.9-broken', neverReady: true, readinessTimeoutSeconds: 2 }),
        )
      ).status,
    ).toBe(201);
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  describe('a run to 2.0.0 in waves 1, 50%, 100% with concurrency 2', () => {
    const options = { targetVersion: '2.0.0', waves: [1, '50%', '100%'], maxConcurrency: 2, itemsPerRun: 2 };
    let dry: any;
    let done: any;
    let ops: Awaited<ReturnType<typeof rolloutOperations>>;
    let plan: string[][];
    let rolloutId: string;
    const inFlightSeen: number[] = [];

    beforeAll(async () => {
      const r = await admin('POST', '/api/admin/mass-upgrades', { app: 'hello', ...options, dryRun: true });
      expect(r.status).toBe(200);
      dry = r.body;
      expect(await s.db.selectFrom('mass_upgrades').select('id').execute()).toEqual([]);
      const started = await startRollout(admin, options);
      rolloutId = started.id;
      done = await waitForRollout(admin, started.id, (m) => m.progress && inFlightSeen.push(m.progress.counts.inFlight));
      ops = await rolloutOperations(s, started.id);
      plan = (await rollout(admin, started.id, '?plan=1')).plan;
    }, 180_000);

    it('dry run lists exactly the deployments, waves and order the real run used, and started nothing', () => {
      expect(dry.total).toBe(6);
      expect(dry.waves.map((w: any) => w.size)).toEqual([1, 2, 3]);
      expect(dry.waves.flatMap((w: any) => w.deployments.map((d: any) => d.fromVersion))).toEqual(Array(6).fill('1.0.0'));
      expect(plan).toEqual(dry.waves.map((w: any) => w.deployments.map((d: any) => d.id)));
      expect(new Set(ops.map((o) => o.deployment_id))).toEqual(new Set(fleet.map((f) => f.id)));
      expect(done).toMatchObject({
        status: 'completed',
        haltReason: null,
        progress: { counts: { total: 6, succeeded: 6, failed: 0, pending: 0, inFlight: 0 } },
      });
    });

    it('runs waves in order and at their sizes: a wave starts when the one before has finished', () => {
      const waveOf = new Map(plan.flatMap((w, i) => w.map((id) => [id, i] as const)));
      const byWave = plan.map((_, i) => ops.filter((o) => waveOf.get(o.deployment_id) === i));
      expect(byWave.map((w) => w.length)).toEqual([1, 2, 3]);
      for (let i = 1; i < byWave.length; i++) {
        const lastFinish = Math.max(...byWave[i - 1].map((o) => o.finished_at!.getTime()));
        const firstStart = Math.min(...byWave[i].map((o) => o.created_at.getTime()));
        expect(firstStart).toBeGreaterThanOrEqual(lastFinish);
      }
    });

    it('never has more upgrades in flight than the cap', () => {
      expect(maxOverlap(ops)).toBeLessThanOrEqual(2);
      expect(Math.max(...inFlightSeen)).toBeLessThanOrEqual(2);
    });

    it('records every child operation with trigger mass_upgrade and the rollout id, and moves every tenant', async () => {
      expect(
        ops.every(
          (o) =>
            o.trigger === 'mass_upgrade' &&
            o.kind === 'upgrade' &&
            o.status === 'succeeded' &&
            o.to_version === '2.0.0' &&
            o.workflow_id === `deployment-${o.deployment_id}`,
        ),
      ).toBe(true);
      for (const d of fleet) expect(await versionOf(d.hostname)).toBe('2.0.0');
      const row = await s.db.selectFrom('mass_upgrades').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'completed', target_version: '2.0.0', actor: 'admin:test-admin' });
      expect(row.finished_at).not.toBeNull();
    });

    it('replays every run of that rollout and every child from their recorded histories (the workflow code is deterministic)', async () => {
      const wf = s.temporal.client.workflow;
      const workflowId = `mass-upgrade-${rolloutId}`;
      const { raw } = await wf.getHandle(workflowId).describe();
      // continue-as-new every 2 starts (itemsPerRun): the chain of runs from the first one.
      const histories: { workflowId: string; history: temporal.api.history.v1.IHistory }[] = [];
      for (let runId: string | null | undefined = raw.workflowExecutionInfo!.firstRunId; runId;) {
        const history = await wf.getHandle(workflowId, runId).fetchHistory();
        histories.push({ workflowId, history });
        runId = history.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      }
      expect(histories.length).toBeGreaterThan(2);
      for (const o of ops)
        histories.push({ workflowId: o.workflow_id, history: await wf.getHandle(o.workflow_id, o.run_id!).fetchHistory() });
      expect(await replayFailures(histories)).toEqual([]);
    });
  });

  it('halts a broken release at the failure budget, rolls the failed ones back, and every tenant keeps serving', async () => {
    const traffic = fleet.map((d) => keepRequesting(s.proxyPort, d.hostname));
    const started = await startRollout(admin, {
      targetVersion: '9.9.9-broken',
      waves: [1, '100%'],
      maxConcurrency: 2,
      failureBudget: { count: 1 },
      rollbackFailed: true,
    });
    const done = await waitForRollout(admin, started.id);
    const reports = await Promise.all(traffic.map((t) => t.stop()));
    expect(done.status).toBe('halted');
    expect(done.haltReason).toMatch(/failure budget exceeded: \d deployment\(s\) failed, the budget allows 1/);
    const c = done.progress.counts;
    expect(c.succeeded).toBe(0);
    expect(c.failed).toBeGreaterThanOrEqual(2);
    expect(c.failed).toBeLessThanOrEqual(3);
    expect(c.pending).toBe(6 - c.failed);
    expect(c.rolledBack).toBe(c.failed);
    expect(done.progress.failures.filter((f: any) => f.errorType === 'ReadinessTimeout')).toHaveLength(c.failed);
    for (const r of reports) {
      expect(r.failures).toEqual([]);
      expect([...r.versions.keys()]).toEqual(['2.0.0']);
    }
    const ops = await rolloutOperations(s, started.id);
    expect(ops.filter((o) => o.kind === 'upgrade')).toHaveLength(c.failed);
    expect(ops.filter((o) => o.kind === 'restart').every((o) => o.status === 'succeeded' && o.trigger === 'mass_upgrade')).toBe(true);
    for (const d of fleet)
      expect((await admin('GET', `/api/deployments/${d.id}`)).body).toMatchObject({ status: 'running', servingVersion: '2.0.0' });
  });

  it('pause stops new starts; resume continues', async () => {
    const started = await startRollout(admin, { targetVersion: '3.0.0', waves: ['100%'], maxConcurrency: 1 });
    expect((await admin('POST', `/api/admin/mass-upgrades/${started.id}/pause`, {})).status).toBe(202);
    const paused = await eventually('paused and idle', async () => {
      const m = await rollout(admin, started.id);
      return m.status === 'paused' && m.progress.counts.inFlight === 0 ? m : undefined;
    });
    const before = (await rolloutOperations(s, started.id)).length;
    expect(before).toBeLessThan(6);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await rolloutOperations(s, started.id)).length).toBe(before);
    expect((await rollout(admin, started.id)).progress.counts.succeeded).toBe(paused.progress.counts.succeeded);

    expect((await admin('POST', `/api/admin/mass-upgrades/${started.id}/resume`, {})).status).toBe(202);
    const done = await waitForRollout(admin, started.id);
    expect(done).toMatchObject({ status: 'completed', progress: { counts: { succeeded: 6, failed: 0 } } });
    for (const d of fleet) expect(await versionOf(d.hostname)).toBe('3.0.0');
  });

  it('cancel stops cleanly: running upgrades finish, nothing new starts, nothing is left half-done', async () => {
    const started = await startRollout(admin, { targetVersion: '4.0.0', waves: ['100%'], maxConcurrency: 1 });
    await eventually('the first upgrade to start', async () => ((await rolloutOperations(s, started.id)).length > 0 ? true : undefined));
    const r = await admin('POST', `/api/admin/mass-upgrades/${started.id}/cancel`, { reason: 'test' });
    expect(r.status).toBe(202);
    const done = await waitForRollout(admin, started.id);
    expect(done.status).toBe('cancelled');
    const ops = await rolloutOperations(s, started.id);
    expect(ops.length).toBeLessThan(6);
    expect(ops.every((o) => o.status === 'succeeded')).toBe(true);
    await new Promise((res) => setTimeout(res, 1500));
    expect((await rolloutOperations(s, started.id)).length).toBe(ops.length);
    const moved = new Set(ops.map((o) => o.deployment_id));
    for (const d of fleet) expect(await versionOf(d.hostname)).toBe(moved.has(d.id) ? '4.0.0' : '3.0.0');
    expect((await admin('POST', `/api/admin/mass-upgrades/${started.id}/resume`, {})).status).toBe(409);
  });

  it('waits for a tenant operation in flight instead of failing that deployment', async () => {
    const busy = fleet[0];
    // A slow restart (readiness after 4 s) that the tenant started: the rollout must wait for it.
    const put = await admin('PUT', `/api/deployments/${busy.id}/env`, { env: { HELLO_READY_DELAY_MS: '4000' } });
    expect(put.status).toBe(202);
    const started = await startRollout(admin, { targetVersion: '5.0.0', waves: ['100%'], maxConcurrency: 6, busyRetrySeconds: 1 });
    const done = await waitForRollout(admin, started.id);
    const tenantOp = await waitForOperation(admin, put.body.operation.id);
    expect(tenantOp.status).toBe('succeeded');
    expect(done).toMatchObject({ status: 'completed', progress: { counts: { succeeded: 6, failed: 0 } } });
    expect(done.progress.counts.busyRetries).toBeGreaterThanOrEqual(1);
    const ops = await rolloutOperations(s, started.id);
    const mine = ops.filter((o) => o.deployment_id === busy.id);
    expect(mine).toHaveLength(1);
    expect(mine[0].started_at!.getTime()).toBeGreaterThanOrEqual(new Date(tenantOp.finishedAt).getTime());
    for (const d of fleet) expect(await versionOf(d.hostname)).toBe('5.0.0');
  });

  it('is admin only and validates its input', async () => {
    const tenant = apiClient(s.apiUrl, await s.tenantToken('acme'));
    expect((await tenant('POST', '/api/admin/mass-upgrades', { app: 'hello', dryRun: true })).status).toBe(403);
    const bad = await admin('POST', '/api/admin/mass-upgrades', { app: 'hello', waves: ['lots'], maxConcurrency: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: any) => f.field)).toEqual(expect.arrayContaining(['body.waves.0', 'body.maxConcurrency']));
    expect((await admin('GET', '/api/admin/mass-upgrades/mu-nothere')).status).toBe(404);
    expect((await admin('GET', '/api/admin/mass-upgrades')).body.massUpgrades.length).toBeGreaterThanOrEqual(5);
  });
});
