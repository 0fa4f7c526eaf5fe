import { FAULT_POINTS } from '../../ports/faultPoints';
import { apiClient } from '../helpers/apiClient';
import { stopChild, waitForExit } from '../helpers/childProcess';
import { exactlyOnceReport, expectExactlyOnce } from '../helpers/exactlyOnce';
import { PROVIDERS_AND_KUBERNETES } from '../helpers/computeProviders';
import { CLUSTER_SETUP_TIMEOUT_MS } from '../helpers/kubernetesCluster';
import { startProcessStack, type ProcessStack } from '../helpers/processStack';
import { publishHelloApp, report, secs, servedVersions, waitForOperation, waitForOperationClosed, type Api } from './fixtures';

/**
 * The worker process is SIGKILLed in the middle of a blue-green upgrade (ports/faultPoints.ts),
 * then a fresh worker is started. Whatever the crash interrupted, the upgrade must finish
 * exactly once: one workflow run, one serving revision of the target version, no app
 * process left behind, and the old version serving all the while no worker ran. On every
 * compute provider: a container or a pod, like a process, outlives the worker that started it, and
 * the next worker adopts it (the same pid as the engine reports it, the same pod uid as the
 * cluster's API does: the provider's list()/status() come from there) instead of starting another.
 *
 * Recovery waits for Temporal to give up on the dead worker's activity: the short
 * profile's startToCloseTimeout, or awaitReady's heartbeat timeout (workflows/activityOptions.ts).
 */
// Containers on a loaded machine: a docker case took 234 s at load 18.
jest.setTimeout(400_000);

describe.each(PROVIDERS_AND_KUBERNETES)('worker killed with SIGKILL during an upgrade (%s compute)', (compute) => {
  let s: ProcessStack;
  let admin: Api;

  beforeAll(async () => {
    s = await startProcessStack({ compute });
    await s.explainFailure(async () => {
      await s.startApi();
      admin = apiClient(s.apiUrl, s.adminToken);
      await publishHelloApp(admin, s.containers?.appImage);
    });
  }, CLUSTER_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await s?.close();
  });

  /** Deploys 1.0.0 with a worker that has no fault, then stops that worker cleanly. */
  async function deployV1(name: string, env: Record<string, string>) {
    await s.stopWorkers();
    const worker = await s.startWorker();
    const created = await admin('POST', '/api/deployments', {
      app: 'hello',
      tenantId: 'acme',
      name,
      version: '1.0.0',
      strategy: 'blue_green',
      env: { GREETING: `hi from ${name}`, ...env },
    });
    expect(created.status).toBe(202);
    expect(await waitForOperationClosed(admin, s.temporal.client, created.body.deployment.id, created.body.operation.id)).toMatchObject({
      status: 'succeeded',
    });
    await stopChild(worker);
    return created.body.deployment as { id: string; hostname: string };
  }

  async function upgradeThroughCrash(faultAt: string, crashPhase: string, name: string, env: Record<string, string>) {
    const d = await deployV1(name, env);
    expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['1.0.0']);

    const doomed = await s.startWorker({ faultAt });
    // The doomed worker must be the only one polling, or another would run the upgrade instead.
    expect(s.children.filter((c) => c.name.startsWith('worker') && c.exit === null).map((c) => c.name)).toEqual([doomed.name]);
    const askedAt = Date.now();
    const started = await admin('POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
    expect(started.status).toBe(202);
    const op = started.body.operation as { id: string };

    const exit = await waitForExit(doomed, 60_000);
    expect(exit.signal).toBe('SIGKILL');

    // The crash hit where it was meant to.
    const atCrash = await s.db.selectFrom('operations').select(['phase', 'status']).where('id', '=', op.id).executeTakeFirstOrThrow();
    expect(atCrash).toEqual({ phase: crashPhase, status: 'running' });

    // No worker runs now. The old revision keeps serving, untouched by the half-done upgrade.
    expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['1.0.0']);
    const during = await s.liveApps(d.id);

    await s.startWorker();
    const done = await waitForOperation(admin, op.id, 200_000);
    const recoveredMs = Date.now() - exit.at;
    expect(done).toMatchObject({ status: 'succeeded', error: null });

    const r = await exactlyOnceReport({
      db: s.db,
      client: s.temporal.client,
      liveApps: s.liveApps,
      deploymentId: d.id,
      operationId: op.id,
    });
    expectExactlyOnce(r, { kind: 'upgrade', version: '2.0.0', warmVersion: '1.0.0' });
    expect(r.operationsByKind).toEqual({ deploy: 1, upgrade: 1 });
    // The 2.0.0 process (or container) the crashed worker started is the one serving now: adopted, not started twice.
    expect(during.map((p) => p.version).sort()).toEqual(['1.0.0', '2.0.0']);
    expect(r.processes.find((p) => p.revisionStatus === 'serving')?.instance).toBe(during.find((p) => p.version === '2.0.0')?.instance);
    expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['2.0.0']);
    const shown = await admin('GET', `/api/deployments/${d.id}`);
    expect(shown.body).toMatchObject({ status: 'running', servingVersion: '2.0.0', previousVersion: '1.0.0' });

    report(
      `${compute} ${faultAt}: worker died ${secs(exit.at - askedAt)} into the upgrade; ` +
        `operation succeeded ${secs(recoveredMs)} after the kill; app processes while no worker ran: ` +
        `${during.map((p) => `${p.version}${p.key ? '' : ' (untracked)'}`).join(', ')}; after: ` +
        `${r.processes.map((p) => `${p.version} ${p.revisionStatus}`).join(', ')}; workflow runs for the operation: ${r.workflowRuns.length}`,
    );
  }

  it('finishes exactly once when the worker dies right after starting the new revision', () =>
    s.explainFailure(async () => {
      // The retried startRevision finds the process by its revision key and adopts it.
      await upgradeThroughCrash(FAULT_POINTS.afterStartRevision, 'startRevision', 'crash-after-start', {});
    }));

  it('finishes exactly once when the worker dies while waiting for readiness', () =>
    s.explainFailure(async () => {
      // Every revision takes a while to become ready, so the wait is under way when the worker dies.
      await upgradeThroughCrash(FAULT_POINTS.duringAwaitReady, 'awaitReady', 'crash-awaiting-ready', { HELLO_READY_DELAY_MS: '2500' });
    }));
});
