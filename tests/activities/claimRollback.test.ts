import { reviveRevision } from '../../activities/reviveRevision';
import { findDeployment } from '../../db/queries/deployments';
import { upsertTenantEnvVars } from '../../db/queries/envVars';
import { findOperation, listOperationLogs } from '../../db/queries/operations';
import { casRevisionStatus, findRevision, upsertRevision } from '../../db/queries/revisions';
import type { Deployment } from '../../db/schema';
import { insertSubscription, listDeliveries } from '../../db/queries/subscriptions';
import { startHarnessWithHelloRelease, stopStartedAndClose, type ActivityHarness } from '../helpers/activityHarness';

/**
 * In-process, with a real hello-app process as the warm revision: a rollback's one step
 * before its switch (claim + load + warm claim, readiness probe included).
 */
describe('claimRollback', () => {
  let h: ActivityHarness;
  const started: string[] = [];
  beforeAll(async () => {
    h = await startHarnessWithHelloRelease();
  });
  afterAll(() => stopStartedAndClose(h, started));

  /** The rollback target's revision row in slot blue; the endpoint recorded answers nothing until a revive records the real one. */
  const recordTarget = (d: Deployment, key: string, status: 'serving' | 'warm') =>
    upsertRevision(h.db, {
      key,
      deployment_id: d.id,
      operation_id: 'op-earlier',
      release_version: '3.0.0',
      config_revision: 1,
      slot: 'blue',
      url: 'http://127.0.0.1:9',
      status,
    });

  /** Serving 2.0.0, with 3.0.0 (the rollback target) warm in slot blue as a running hello-app process. */
  const warmTarget = async (): Promise<{ d: Deployment; key: string; url: string }> => {
    const d = await h.seedDeployment({
      status: 'running',
      release_version: '2.0.0',
      serving_version: '2.0.0',
      previous_version: '3.0.0',
      active_slot: 'green',
      serving_config_revision: 1,
    });
    const key = `${d.id}-blue-3.0.0-c1-op-earlier`;
    await recordTarget(d, key, 'serving');
    await upsertTenantEnvVars(h.db, h.deps.secrets, d.id, { GREETING: 'warm' });
    const url = await reviveRevision(h.deps, key);
    started.push(key);
    expect(await casRevisionStatus(h.db, key, ['serving'], 'warm', { retire_token: 'op-earlier' })).toBe(true);
    return { d, key, url };
  };

  it('claims the operation and the warm revision that answers its probe, and routes to it, once, however often it runs', async () => {
    const { d, key, url } = await warmTarget();
    const op = await h.seedOperation(d, 'rollback', '3.0.0');
    const input = { operationId: op.id, deploymentId: d.id, kind: 'rollback' as const, runId: 'run-1' };

    const first = await h.run(h.acts.claimRollback, input);
    expect(first.warm).toEqual([{ key, url, slot: 'blue', configRevision: 1 }]);
    expect(first.ctx).toMatchObject({
      targetVersion: '3.0.0',
      servingVersion: '2.0.0',
      effectiveKind: 'rollback',
      readinessPath: '/healthz',
    });
    expect(await findOperation(h.db, op.id)).toMatchObject({ status: 'running', run_id: 'run-1' });
    expect(await findDeployment(h.db, d.id)).toMatchObject({ status: 'rolling_back', progress: 5 });
    expect(await findRevision(h.db, key)).toMatchObject({ status: 'ready', operation_id: op.id, retire_token: null });
    // The switch happened inside the step: users get the previous version before the workflow moves on.
    const route = { deploymentId: d.id, hostname: d.hostname, upstreams: [{ key, url, weight: 100 }], suspended: null };
    expect(await h.deps.router.getRoute(d.id)).toMatchObject(route);

    // A repeat (retried local activity, replay on another worker) finds both claims its own.
    const again = await h.run(h.acts.claimRollback, { ...input, runId: 'run-2' });
    expect(again).toEqual(first);
    expect(await h.deps.router.getRoute(d.id)).toMatchObject(route);
    expect(await findOperation(h.db, op.id)).toMatchObject({ status: 'running', run_id: 'run-1' });
    const steps = (await listOperationLogs(h.db, op.id)).map((l) => `${l.phase}/${l.step}`);
    expect(steps).toEqual(['fetchDeployment/loaded', 'startRevision/claimed']);
  });

  it('leaves a warm revision that does not answer its readiness probe, so the rollback redeploys', async () => {
    const { d, key } = await warmTarget();
    // The process runs, but the recorded endpoint answers nothing.
    await recordTarget(d, key, 'warm');
    expect(await h.deps.compute.status(key)).not.toBeNull();
    const op = await h.seedOperation(d, 'rollback', '3.0.0');
    // The revive left its live endpoint routed; the recorded one is what the claim would route to.
    const routeBefore = await h.deps.router.getRoute(d.id);

    const claimed = await h.run(h.acts.claimRollback, { operationId: op.id, deploymentId: d.id, kind: 'rollback', runId: 'run-1' });
    expect(claimed.warm).toEqual([]);
    // Nothing to switch to: the route is the redeploy's to set, later.
    expect(await h.deps.router.getRoute(d.id)).toEqual(routeBefore);
    expect(await findRevision(h.db, key)).toMatchObject({ status: 'warm', retire_token: 'op-earlier' });
    expect(await findOperation(h.db, op.id)).toMatchObject({ status: 'running' });
    expect((await listOperationLogs(h.db, op.id)).map((l) => l.step)).toEqual(['loaded', 'not-warm']);
  });

  it('refuses an illegal rollback before it claims anything', async () => {
    const d = await h.seedDeployment({ status: 'running', serving_version: '1.0.0' });
    const op = await h.seedOperation(d, 'rollback', null);
    const err = await h.run(h.acts.claimRollback, { operationId: op.id, deploymentId: d.id, kind: 'rollback', runId: 'r' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ type: 'IllegalTransition', nonRetryable: true });
    expect((await findOperation(h.db, op.id))?.status).toBe('pending');
    expect((await listOperationLogs(h.db, op.id)).length).toBe(0);
  });

  it('fails on a missing target release before it claims anything: the deployment keeps its status', async () => {
    const { d } = await warmTarget();
    const op = await h.seedOperation(d, 'rollback', '9.9.9');
    const err = await h.run(h.acts.claimRollback, { operationId: op.id, deploymentId: d.id, kind: 'rollback', runId: 'r' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ type: 'ReleaseNotFound', nonRetryable: true });
    expect((await findOperation(h.db, op.id))?.status).toBe('pending');
    expect((await findDeployment(h.db, d.id))?.status).toBe('running');
  });
  // Last: the subscription sees every later claim of its tenant.
  it('writes the start event in the same transaction as the claims when someone subscribes to it', async () => {
    const { d, key, url } = await warmTarget();
    const sub = await insertSubscription(h.db, {
      id: 'sub-rollback-start',
      tenantId: d.tenant_id,
      url: 'https://hooks.example.com/',
      events: ['operation.started'],
      secret: 's',
      secretKeyId: 'k',
      actor: 'test',
    });
    const op = await h.seedOperation(d, 'rollback', '3.0.0');

    const claimed = await h.run(h.acts.claimRollback, { operationId: op.id, deploymentId: d.id, kind: 'rollback', runId: 'run-1' });
    expect(claimed.warm).toEqual([{ key, url, slot: 'blue', configRevision: 1 }]);
    expect(await findOperation(h.db, op.id)).toMatchObject({ status: 'running', run_id: 'run-1' });
    expect(await findRevision(h.db, key)).toMatchObject({ status: 'ready', operation_id: op.id });
    const deliveries = await listDeliveries(h.db, sub.id, 10);
    expect(deliveries.map((x) => x.event_type)).toEqual(['operation.started']);
    expect(deliveries[0].payload).toMatchObject({ data: { operation: { id: op.id, status: 'running' } } });
  });
});
