import { findDeployment } from '../../db/queries/deployments';
import { findOperation, listOperationLogs, markOperationRunning } from '../../db/queries/operations';
import { findRevision, upsertRevision } from '../../db/queries/revisions';
import type { Deployment, Operation } from '../../db/schema';
import { startActivityHarness, type ActivityHarness } from '../helpers/activityHarness';

/** In-process (MockActivityEnvironment): the route swap on the real router, and the outcome recorded in Postgres. */
describe('switchTraffic and completeOperation', () => {
  let h: ActivityHarness;
  beforeAll(async () => {
    h = await startActivityHarness();
  });
  afterAll(() => h.close());

  /** A deployment serving 1.0.0 from revision `old`, with an upgrade running that started `new` (ready). */
  const upgradeUnderWay = async (): Promise<{ d: Deployment; op: Operation; oldKey: string; newKey: string }> => {
    const d = await h.seedDeployment({ status: 'upgrading', serving_version: '1.0.0', active_slot: 'blue', serving_config_revision: 1 });
    const op = await h.seedOperation(d, 'upgrade', '2.0.0');
    await markOperationRunning(h.db, op.id, 'run-1');
    const oldKey = `${d.id}-blue-1.0.0`;
    const newKey = `${d.id}-green-2.0.0`;
    const base = { deployment_id: d.id, config_revision: 1 };
    await upsertRevision(h.db, {
      ...base,
      key: oldKey,
      operation_id: 'op-earlier',
      release_version: '1.0.0',
      slot: 'blue',
      url: 'http://127.0.0.1:9',
      status: 'serving',
    });
    await upsertRevision(h.db, {
      ...base,
      key: newKey,
      operation_id: op.id,
      release_version: '2.0.0',
      slot: 'green',
      url: 'http://127.0.0.1:10',
      status: 'ready',
    });
    return { d, op, oldKey, newKey };
  };

  it('moves the whole route in one swap and keeps the old revision warm for this operation; a retry returns the same', async () => {
    const { d, op, oldKey, newKey } = await upgradeUnderWay();
    const input = {
      operationId: op.id,
      deploymentId: d.id,
      hostname: d.hostname,
      revisions: [{ key: newKey, url: 'http://127.0.0.1:10' }],
    };
    const first = await h.run(h.acts.switchTraffic, input);
    expect(first).toEqual({ previousKeys: [oldKey], supersededKeys: [] });
    expect(await h.deps.router.getRoute(d.id)).toMatchObject({
      hostname: d.hostname,
      upstreams: [{ key: newKey, url: 'http://127.0.0.1:10', weight: 100 }],
    });
    expect(await findRevision(h.db, newKey)).toMatchObject({ status: 'serving', retire_token: null });
    expect(await findRevision(h.db, oldKey)).toMatchObject({ status: 'warm', retire_token: op.id });

    expect(await h.run(h.acts.switchTraffic, input)).toEqual(first);
    const steps = (await listOperationLogs(h.db, op.id)).filter((l) => l.phase === 'switchTraffic').map((l) => l.step);
    expect(steps).toEqual(['switched']);
    expect((await findOperation(h.db, op.id))?.phase).toBe('switchTraffic');
    expect((await findDeployment(h.db, d.id))?.progress).toBe(85);
  });

  it('records success once: serving and previous versions move, the operation finishes, a retry changes nothing', async () => {
    const { d, op } = await upgradeUnderWay();
    const input = {
      operationId: op.id,
      deploymentId: d.id,
      kind: 'upgrade' as const,
      serving: { version: '2.0.0', slot: 'green' as const, configRevision: 1 },
    };
    await h.run(h.acts.completeOperation, input);
    const after = await findDeployment(h.db, d.id);
    expect(after).toMatchObject({
      status: 'running',
      progress: 100,
      serving_version: '2.0.0',
      previous_version: '1.0.0',
      release_version: '2.0.0',
      active_slot: 'green',
      serving_config_revision: 1,
      last_error: null,
    });
    const finished = await findOperation(h.db, op.id);
    expect(finished).toMatchObject({ status: 'succeeded', finished_at: expect.any(Date), error_type: null });

    await h.run(h.acts.completeOperation, input);
    expect(await findDeployment(h.db, d.id)).toEqual(after);
    expect((await findOperation(h.db, op.id))?.finished_at).toEqual(finished?.finished_at);
  });

  const failInput = (d: Deployment, op: Operation) => ({
    operationId: op.id,
    deploymentId: d.id,
    kind: 'upgrade' as const,
    errorType: 'ActivityTimeout',
    errorMessage: 'recording the switch timed out',
  });

  it('a failure between the route swap and its record puts the route back on what Postgres says serves', async () => {
    const { d, op, oldKey, newKey } = await upgradeUnderWay();
    // What switchTraffic does first; its transaction never ran (Postgres was away, say).
    await h.deps.router.setRoute({
      deploymentId: d.id,
      hostname: d.hostname,
      upstreams: [{ key: newKey, url: 'http://127.0.0.1:10', weight: 100 }],
    });

    const result = await h.run(h.acts.failOperation, failInput(d, op));
    expect(await h.deps.router.getRoute(d.id)).toMatchObject({ upstreams: [{ key: oldKey, url: 'http://127.0.0.1:9', weight: 100 }] });
    // Kept warm for a retry, as any ready revision of a failed operation: now it takes no traffic.
    expect(result).toEqual({ warmKeys: [newKey] });
    expect(await findRevision(h.db, oldKey)).toMatchObject({ status: 'serving' });
    expect(await findDeployment(h.db, d.id)).toMatchObject({ serving_version: '1.0.0', status: 'failed' });
    const restored = (await listOperationLogs(h.db, op.id)).filter((l) => l.step === 'route-restored');
    expect(restored.map((l) => l.message)).toEqual([
      `the route sent traffic to ${newKey}, which never became serving; it is back on ${oldKey}`,
    ]);

    // A retry of failOperation finds the route right and changes nothing.
    await h.run(h.acts.failOperation, failInput(d, op));
    expect((await listOperationLogs(h.db, op.id)).filter((l) => l.step === 'route-restored')).toHaveLength(1);
    expect(await h.deps.router.getRoute(d.id)).toMatchObject({ upstreams: [{ key: oldKey }] });
  });

  it('a warm rollback that switched inside its claim and then failed goes back to the serving revision', async () => {
    const { d, oldKey } = await upgradeUnderWay();
    const warmKey = `${d.id}-green-0.9.0`;
    await upsertRevision(h.db, {
      key: warmKey,
      deployment_id: d.id,
      config_revision: 1,
      operation_id: 'op-before',
      release_version: '0.9.0',
      slot: 'green',
      url: 'http://127.0.0.1:11',
      status: 'warm',
    });
    const rollback = await h.seedOperation(d, 'rollback', '0.9.0');
    await markOperationRunning(h.db, rollback.id, 'run-2');
    // The claim's route swap (claimRollback switches before its bookkeeping).
    await h.deps.router.setRoute({
      deploymentId: d.id,
      hostname: d.hostname,
      upstreams: [{ key: warmKey, url: 'http://127.0.0.1:11', weight: 100 }],
    });
    const result = await h.run(h.acts.failOperation, { ...failInput(d, rollback), kind: 'rollback' as const });
    expect(result).toEqual({ warmKeys: [] });
    expect(await h.deps.router.getRoute(d.id)).toMatchObject({ upstreams: [{ key: oldKey, url: 'http://127.0.0.1:9', weight: 100 }] });
    // Still the earlier operation's warm revision: only that operation's timer retires it.
    expect(await findRevision(h.db, warmKey)).toMatchObject({ status: 'warm' });
  });

  it('leaves a route that matches the record alone', async () => {
    const { d, op, oldKey } = await upgradeUnderWay();
    const route = { deploymentId: d.id, hostname: d.hostname, upstreams: [{ key: oldKey, url: 'http://127.0.0.1:9', weight: 100 }] };
    await h.deps.router.setRoute(route);
    await h.run(h.acts.failOperation, failInput(d, op));
    expect(await h.deps.router.getRoute(d.id)).toMatchObject({ upstreams: route.upstreams });
    expect((await listOperationLogs(h.db, op.id)).map((l) => l.step)).not.toContain('route-restored');
  });

  it('records a suspension as nothing serving, keeping the release to resume', async () => {
    const d = await h.seedDeployment({ status: 'suspending', serving_version: '1.0.0', active_slot: 'blue', serving_config_revision: 1 });
    const op = await h.seedOperation(d, 'suspend', '1.0.0');
    await markOperationRunning(h.db, op.id, 'run-1');
    await h.run(h.acts.completeOperation, { operationId: op.id, deploymentId: d.id, kind: 'suspend', serving: null });
    expect(await findDeployment(h.db, d.id)).toMatchObject({
      status: 'suspended',
      serving_version: null,
      active_slot: null,
      release_version: '1.0.0',
      previous_version: null,
    });
    const logs = await listOperationLogs(h.db, op.id);
    expect(logs.map((l) => [l.phase, l.step, l.message])).toEqual([['finalize', 'done', `${d.id} is suspended`]]);
  });
});
