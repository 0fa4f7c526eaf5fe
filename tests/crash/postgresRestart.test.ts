import type { History } from '@temporalio/common/lib/proto-utils';
import { deploymentWorkflowId } from '../../domain/operations';
import { apiClient, eventually } from '../helpers/apiClient';
import { exactlyOnceReport, expectExactlyOnce } from '../helpers/exactlyOnce';
import { restartPostgres, testPostgresCluster, type PostgresCluster } from '../helpers/postgresControl';
import { startProcessStack, type ProcessStack } from '../helpers/processStack';
import { publishHelloApp, report, secs, servedVersions, waitForOperation, waitForOperationClosed, type Api } from './fixtures';

/**
 * The run's Postgres is restarted (fast shutdown: every session is cut) while an operation
 * runs on the real worker and API processes. Activities that meet the dead connections or
 * the closed server fail and are retried; the operation completes, and both processes'
 * pools serve the next operation without a restart of their own.
 *
 * Needs the embedded Postgres that globalSetup starts (it fails, not skips, under DATABASE_URL).
 */
jest.setTimeout(180_000);

describe('Postgres restarted during an operation', () => {
  let cluster: PostgresCluster;
  let s: ProcessStack;
  let admin: Api;

  beforeAll(async () => {
    cluster = testPostgresCluster();
    s = await startProcessStack();
    await s.explainFailure(async () => {
      await s.startWorker();
      await s.startApi();
      admin = apiClient(s.apiUrl, s.adminToken);
      await publishHelloApp(admin);
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  /** Starts a deploy whose app needs ~3 s to become ready and resolves once it waits for readiness. */
  async function deployWaitingForReadiness(name: string) {
    const created = await admin('POST', '/api/deployments', {
      app: 'hello',
      tenantId: 'acme',
      name,
      version: '1.0.0',
      env: { GREETING: name, HELLO_READY_DELAY_MS: '3000' },
    });
    expect(created.status).toBe(202);
    const op = created.body.operation as { id: string };
    await eventually(
      'the deploy to wait for readiness',
      async () => {
        const row = await s.db.selectFrom('operations').select('phase').where('id', '=', op.id).executeTakeFirstOrThrow();
        return row.phase === 'awaitReady' ? true : undefined;
      },
      60_000,
      50,
    );
    return { d: created.body.deployment as { id: string; hostname: string }, op };
  }

  async function retriedActivities(deploymentId: string): Promise<string[]> {
    const history: History = await s.temporal.client.workflow.getHandle(deploymentWorkflowId(deploymentId)).fetchHistory();
    const scheduled = new Map<string, string>();
    const retried: string[] = [];
    for (const e of history.events ?? []) {
      const sch = e.activityTaskScheduledEventAttributes;
      if (sch) scheduled.set(String(e.eventId), sch.activityType?.name ?? '?');
      const started = e.activityTaskStartedEventAttributes;
      if (started && (started.attempt ?? 1) > 1)
        retried.push(`${scheduled.get(String(started.scheduledEventId))} (attempt ${started.attempt})`);
    }
    return retried;
  }

  async function expectDeployed(d: { id: string; hostname: string }, op: { id: string }) {
    const done = await waitForOperationClosed(admin, s.temporal.client, d.id, op.id);
    expect(done).toMatchObject({ status: 'succeeded', error: null });
    const r = await exactlyOnceReport({
      db: s.db,
      client: s.temporal.client,
      liveApps: s.liveApps,
      deploymentId: d.id,
      operationId: op.id,
    });
    expectExactlyOnce(r, { kind: 'deploy', version: '1.0.0' });
    expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['1.0.0']);
  }

  it('completes a deploy when Postgres restarts under it', () =>
    s.explainFailure(async () => {
      const { d, op } = await deployWaitingForReadiness('pg-restart');
      const t = Date.now();
      await restartPostgres(cluster);
      report(`pg_ctl restart took ${secs(Date.now() - t)}`);
      await expectDeployed(d, op);
      report(
        `deploy finished ${secs(Date.now() - t)} after the restart began; retried activities: ${(await retriedActivities(d.id)).join(', ') || 'none'}`,
      );
    }));

  it('completes a deploy when Postgres is down for seconds as the app becomes ready, by retrying the activity', () =>
    s.explainFailure(async () => {
      const { d, op } = await deployWaitingForReadiness('pg-down');
      const t = Date.now();
      // Down past the moment the app is ready: awaitReady's write of that fact fails and must be retried.
      await restartPostgres(cluster, { downForMs: 6_000 });
      report(`Postgres was down and back in ${secs(Date.now() - t)}`);
      await expectDeployed(d, op);
      const retried = await retriedActivities(d.id);
      report(`deploy finished ${secs(Date.now() - t)} after Postgres went down; retried activities: ${retried.join(', ')}`);
      expect(retried.some((a) => a.startsWith('awaitReady'))).toBe(true);
    }));

  it('serves the next operation with the same worker and API processes (their pools recovered)', () =>
    s.explainFailure(async () => {
      const d = await s.db.selectFrom('deployments').select(['id', 'hostname']).where('name', '=', 'pg-down').executeTakeFirstOrThrow();
      const started = await admin('POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
      expect(started.status).toBe(202);
      expect((await waitForOperation(admin, started.body.operation.id)).status).toBe('succeeded');
      expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['2.0.0']);
      // One worker and one API process served the whole file: neither had to be restarted.
      expect(s.children.map((c) => c.exit)).toEqual([null, null]);
    }));
});
