import { createLogger } from '../../src/logger';
import { autoUpdateScheduleId, ensureAutoUpdateSchedule } from '../../src/autoUpdateSchedule';
import { autoUpdateWorkflow } from '../../workflows/autoUpdate';
import { apiClient, eventually } from '../helpers/apiClient';
import { deployHello, helloRelease, type Api } from '../helpers/hello';
import { withStack } from '../helpers/withStack';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { settle } from '../api/support';

describe('Auto-update: the Schedule, the weekly cap, pause and resume, failure pauses', () => {
  let s: SlipwayStack;
  let admin: Api;
  let acme: Api;
  let globex: Api;
  let capped: { id: string };
  let paused: { id: string };
  let optedOut: { id: string };
  let pass = 0;

  withStack(async (stack, a) => {
    s = stack;
    admin = a;
    acme = apiClient(s.apiUrl, await s.tenantToken('acme'));
    globex = apiClient(s.apiUrl, await s.tenantToken('globex'));
    expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1))).status).toBe(201);
    const env = { GREETING: 'hi' };
    capped = await deployHello(acme, { name: 'capped', env, autoUpdate: { enabled: true, maxPerWeek: 1 } });
    paused = await deployHello(acme, { name: 'paused', env, autoUpdate: { enabled: true } });
    optedOut = await deployHello(acme, { name: 'opted-out', env });
    for (const d of [capped, paused, optedOut])
      await settle(s, acme, (await acme('GET', `/api/deployments/${d.id}/operations`)).body.operations[0].id);
  });
  afterAll(async () => {
    await s?.temporal.client.schedule
      .getHandle(autoUpdateScheduleId(s.taskQueue))
      .delete()
      .catch(() => undefined);
  });

  /** What the Schedule starts, run once now. */
  const runPass = () =>
    s.temporal.client.workflow.execute(autoUpdateWorkflow, {
      taskQueue: s.taskQueue,
      workflowId: `auto-update-test-${s.taskQueue}-${++pass}`,
    });
  const show = async (id: string) => (await acme('GET', `/api/deployments/${id}`)).body;
  const publish = async (v: 2 | 1, version: string, overrides = {}) =>
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(v, { version, ...overrides }))).status).toBe(201);

  it('creates the Schedule idempotently with the configured interval, and updates it in place', async () => {
    const logger = createLogger('test', 'silent');
    await ensureAutoUpdateSchedule(s.temporal.client, s.taskQueue, 60, logger);
    await ensureAutoUpdateSchedule(s.temporal.client, s.taskQueue, 60, logger);
    const handle = s.temporal.client.schedule.getHandle(autoUpdateScheduleId(s.taskQueue));
    let desc = await handle.describe();
    expect(desc.spec.intervals).toEqual([expect.objectContaining({ every: 3_600_000 })]);
    expect(desc.action).toMatchObject({ type: 'startWorkflow', workflowType: 'autoUpdateWorkflow', taskQueue: s.taskQueue });
    await ensureAutoUpdateSchedule(s.temporal.client, s.taskQueue, 15, logger);
    desc = await handle.describe();
    expect(desc.spec.intervals).toEqual([expect.objectContaining({ every: 15 * 60_000 })]);
  });

  it('pauses and resumes per deployment, tenant-scoped, shown as autoUpdatePausedAt', async () => {
    expect((await globex('POST', `/api/deployments/${paused.id}/auto-update/pause`, {})).status).toBe(404);
    const r = await acme('POST', `/api/deployments/${paused.id}/auto-update/pause`, {});
    expect(r.status).toBe(200);
    expect(r.body.autoUpdatePausedAt).toEqual(expect.any(String));
    expect(r.body.autoUpdate).toEqual({ enabled: true, maxPerWeek: 5, pauseReason: 'paused by tenant:tenant-acme' });
    expect((await show(optedOut.id)).autoUpdate.enabled).toBe(false);
  });

  it('upgrades only opted-in, unpaused deployments behind the newest release, with trigger auto_update', async () => {
    await publish(2, '2.0.0');
    const outcome = await runPass();
    expect(outcome.items).toEqual([{ deploymentId: capped.id, operationId: expect.any(String), toVersion: '2.0.0' }]);
    expect(outcome.skipped).toEqual([{ deploymentId: paused.id, reason: expect.stringMatching(/^auto-update paused since/) }]);
    const op = await settle(s, acme, outcome.items[0].operationId);
    expect(op).toMatchObject({ status: 'succeeded', trigger: 'auto_update', kind: 'upgrade', toVersion: '2.0.0' });
    expect((await show(capped.id)).servingVersion).toBe('2.0.0');
    expect((await show(paused.id)).servingVersion).toBe('1.0.0');
    expect((await show(optedOut.id)).servingVersion).toBe('1.0.0');
  });

  it('honours the weekly cap', async () => {
    await publish(2, '2.1.0');
    const outcome = await runPass();
    expect(outcome.items).toEqual([]);
    expect(outcome.skipped).toContainEqual({ deploymentId: capped.id, reason: 'weekly cap of 1 auto-updates reached' });
    expect((await show(capped.id)).servingVersion).toBe('2.0.0');
  });

  it('pauses the auto-update of a deployment whose auto-update failed, with the reason, and the old version keeps serving', async () => {
    const raised = await acme('PATCH', `/api/deployments/${capped.id}/automation`, { autoUpdate: { enabled: true, maxPerWeek: 10 } });
    expect(raised.status).toBe(200);
    expect(raised.body.autoUpdate.maxPerWeek).toBe(10);
    await publish(2, '2.2.0', { neverReady: true, readinessTimeoutSeconds: 2 });
    const outcome = await runPass();
    expect(outcome.items.map((i) => i.deploymentId)).toEqual([capped.id]);
    const op = await settle(s, acme, outcome.items[0].operationId);
    expect(op.status).toBe('failed');
    const d = await eventually('auto-update to pause', async () => {
      const row = await show(capped.id);
      return row.autoUpdatePausedAt ? row : undefined;
    });
    expect(d.autoUpdate.pauseReason).toContain(`auto-update to 2.2.0 failed (${op.id})`);
    expect(d.servingVersion).toBe('2.0.0');
    const next = await runPass();
    expect(next.items).toEqual([]);
    expect(next.skipped.map((x) => x.deploymentId).sort()).toEqual([capped.id, paused.id].sort());
  });

  it('resume clears the pause and its reason', async () => {
    const r = await acme('POST', `/api/deployments/${capped.id}/auto-update/resume`, {});
    expect(r.status).toBe(200);
    expect(r.body.autoUpdatePausedAt).toBeNull();
    expect(r.body.autoUpdate.pauseReason).toBeNull();
  });
});
