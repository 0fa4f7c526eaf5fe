import type { Client, WorkflowHandle } from '@temporalio/client';
import { deploymentWorkflowId } from '../../domain/operations';
import { apiClient, eventually } from '../helpers/apiClient';
import { kill, waitForExit, type TestChild } from '../helpers/childProcess';
import { exactlyOnceReport, expectExactlyOnce } from '../helpers/exactlyOnce';
import { PROVIDERS } from '../helpers/computeProviders';
import { startProcessStack, type ProcessStack } from '../helpers/processStack';
import { replayFailures } from '../helpers/temporalEnv';
import { publishHelloApp, report, secs, servedVersions, waitForOperation, waitForOperationClosed, type Api } from './fixtures';

/**
 * Two workers poll one task queue (SLIPWAY_WORKERS=2). The test SIGKILLs the one that is
 * running an activity of the upgrade (Temporal names it: pendingActivities[].lastWorkerIdentity,
 * which is `<pid>@<host>`), or for a fleet the one holding the rollout workflow, and never
 * starts a replacement: the other worker alone must finish the work, so nothing waits for a
 * supervisor's restart backoff.
 */
jest.setTimeout(400_000);

describe.each(PROVIDERS)('two workers, one SIGKILLed mid-operation (%s compute)', (compute) => {
  let s: ProcessStack;
  let admin: Api;

  beforeAll(async () => {
    s = await startProcessStack({ compute });
    await s.explainFailure(async () => {
      await s.startApi();
      admin = apiClient(s.apiUrl, s.adminToken);
      await publishHelloApp(admin, s.containers?.appImage);
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  const runningWorkers = () => s.children.filter((c) => c.name.startsWith('worker') && c.exit === null);

  /** Exactly two workers polling, started fresh for each test. */
  async function twoWorkers(): Promise<TestChild[]> {
    await s.stopWorkers();
    const workers = await Promise.all([s.startWorker(), s.startWorker()]);
    expect(runningWorkers()).toHaveLength(2);
    return workers;
  }

  async function deploy(name: string, env: Record<string, string>) {
    const created = await admin('POST', '/api/deployments', { app: 'hello', tenantId: 'acme', name, version: '1.0.0', env });
    expect(created.status).toBe(202);
    const done = await waitForOperationClosed(admin, s.temporal.client, created.body.deployment.id, created.body.operation.id);
    expect(done).toMatchObject({ status: 'succeeded' });
    return created.body.deployment as { id: string; hostname: string };
  }

  it('a tenant upgrade finishes on the other worker', () =>
    s.explainFailure(async () => {
      const workers = await twoWorkers();
      // Readiness takes a while, so the upgrade sits in awaitReady (a heartbeating activity) when the kill comes.
      const d = await deploy('two-workers-upgrade', { GREETING: 'hi', HELLO_READY_DELAY_MS: '4000' });
      const started = await admin('POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
      expect(started.status).toBe(202);
      const op = started.body.operation as { id: string };

      const { victim, activity } = await workerRunningAnActivity(s.temporal.client, [deploymentWorkflowId(d.id)], workers);
      const phase = await s.db.selectFrom('operations').select(['phase', 'status']).where('id', '=', op.id).executeTakeFirstOrThrow();
      expect(phase.status).toBe('running');
      kill(victim);
      const exit = await waitForExit(victim, 30_000);
      expect(exit.signal).toBe('SIGKILL');

      const done = await waitForOperation(admin, op.id, 200_000);
      expect(done).toMatchObject({ status: 'succeeded', error: null });
      const survivor = workers.find((w) => w !== victim)!;
      // The survivor did it alone: the same process, and no worker was started after the kill.
      expect(runningWorkers()).toEqual([survivor]);

      const r = await exactlyOnceReport({
        db: s.db,
        client: s.temporal.client,
        liveApps: s.liveApps,
        deploymentId: d.id,
        operationId: op.id,
      });
      expectExactlyOnce(r, { kind: 'upgrade', version: '2.0.0', warmVersion: '1.0.0' });
      expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['2.0.0']);
      report(
        `two workers, tenant upgrade (${compute}): killed the worker running ${activity} (phase ${phase.phase}); succeeded ${secs(Date.now() - exit.at)} after the kill`,
      );
    }));

  // The fleet case runs on local processes only: what it adds to the tenant case is the rollout
  // workflow's takeover, which no provider changes, and four more deployments of containers would
  // add minutes to the suite's CI time.
  if (compute === 'local')
    it('a mass upgrade finishes on the other worker', () =>
      s.explainFailure(async () => {
        const workers = await twoWorkers();
        const fleet = [];
        for (let i = 0; i < 4; i++)
          fleet.push(await deploy(`two-workers-fleet-${i}`, { GREETING: `hi-${i}`, HELLO_READY_DELAY_MS: '3000' }));
        const r = await admin('POST', '/api/admin/mass-upgrades', {
          app: 'hello',
          targetVersion: '2.0.0',
          waves: ['100%'],
          maxConcurrency: 4,
        });
        expect(r.status).toBe(202);
        const rolloutId = r.body.id as string;
        const rollout = s.temporal.client.workflow.getHandle(r.body.workflowId as string);

        // Mid-rollout: an upgrade is running an activity. The victim is the worker holding the
        // rollout workflow itself (the last to complete one of its tasks), so the survivor
        // takes the rollout over, not only the upgrades.
        const { activity } = await workerRunningAnActivity(
          s.temporal.client,
          fleet.map((d) => deploymentWorkflowId(d.id)),
          workers,
        );
        const victim = await workerHoldingWorkflow(rollout, workers);
        kill(victim);
        const exit = await waitForExit(victim, 30_000);
        expect(exit.signal).toBe('SIGKILL');

        const done = await eventually(
          `mass upgrade ${rolloutId} to end`,
          async () => {
            const m = (await admin('GET', `/api/admin/mass-upgrades/${rolloutId}`)).body;
            return ['completed', 'halted', 'cancelled'].includes(m.status) ? m : undefined;
          },
          240_000,
          250,
        );
        expect(done).toMatchObject({ status: 'completed', progress: { counts: { succeeded: 4, failed: 0 } } });
        // The status above can come from the workflow's query; the workflow itself must also
        // get past the takeover: close, write its row, and replay from its history.
        expect(await waitForClose(rollout, 60_000)).toBe('COMPLETED');
        expect(await s.db.selectFrom('mass_upgrades').select('status').where('id', '=', rolloutId).executeTakeFirstOrThrow()).toEqual({
          status: 'completed',
        });
        expect(await replayFailures([{ workflowId: rollout.workflowId, history: await rollout.fetchHistory() }])).toEqual([]);
        expect(runningWorkers()).toEqual([workers.find((w) => w !== victim)]);
        for (const d of fleet) {
          expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['2.0.0']);
          const serving = await s.db
            .selectFrom('revisions')
            .select('release_version')
            .where('deployment_id', '=', d.id)
            .where('status', '=', 'serving')
            .execute();
          expect(serving).toEqual([{ release_version: '2.0.0' }]);
        }
        report(
          `two workers, mass upgrade of 4: killed the worker holding the rollout while an upgrade ran ${activity}; rollout completed ${secs(Date.now() - exit.at)} after the kill`,
        );
      }));
});

/**
 * Waits until one of the workflows has an activity started on one of `workers`, and says which.
 * A worker's identity defaults to `<pid>@<hostname>`.
 */
async function workerRunningAnActivity(
  client: Client,
  workflowIds: string[],
  workers: TestChild[],
): Promise<{ victim: TestChild; activity: string }> {
  return eventually(
    'an activity of the operation to be running on one of the workers',
    async () => {
      for (const id of workflowIds) {
        const described = await client.workflow
          .getHandle(id)
          .describe()
          .catch(() => undefined);
        for (const a of described?.raw.pendingActivities ?? []) {
          const pid = Number.parseInt(String(a.lastWorkerIdentity ?? '').split('@')[0], 10);
          const victim = workers.find((w) => w.pid === pid && w.exit === null);
          if (victim && a.lastStartedTime) return { victim, activity: String(a.activityType?.name) };
        }
      }
      return undefined;
    },
    90_000,
    100,
  );
}

/** The worker that completed the workflow's latest task: its cache holds the workflow (sticky). Identities are `<pid>@<host>`. */
async function workerHoldingWorkflow(handle: WorkflowHandle, workers: TestChild[]): Promise<TestChild> {
  const events = (await handle.fetchHistory()).events ?? [];
  const last = [...events].reverse().find((e) => e.workflowTaskCompletedEventAttributes);
  const pid = Number.parseInt(String(last?.workflowTaskCompletedEventAttributes?.identity ?? '').split('@')[0], 10);
  const holder = workers.find((w) => w.pid === pid && w.exit === null);
  if (!holder) throw new Error(`no running worker completed ${handle.workflowId}'s latest task (identity pid ${pid})`);
  return holder;
}

/** The workflow's status once it is no longer running, or 'RUNNING' after `timeoutMs`. */
async function waitForClose(handle: WorkflowHandle, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = (await handle.describe()).status.name;
    if (status !== 'RUNNING' || Date.now() > until) return status;
    await new Promise((r) => setTimeout(r, 250));
  }
}
