import { FAULT_POINTS } from '../../ports/faultPoints';
import { apiClient } from '../helpers/apiClient';
import { stopChild, waitForExit, type TestChild } from '../helpers/childProcess';
import { exactlyOnceReport, expectExactlyOnce } from '../helpers/exactlyOnce';
import { startProcessStack, type ProcessStack } from '../helpers/processStack';
import { publishHelloApp, report, secs, servedVersions, waitForOperation, waitForOperationClosed, type Api } from './fixtures';

/**
 * The API process is SIGKILLed after Temporal accepted an operation's workflow and before
 * the HTTP answer left (ports/faultPoints.ts `after-workflow-start`): the client sees a
 * dropped connection and cannot know whether anything happened. Nothing may be lost (the
 * started workflow runs on) and, when the client retries with its Idempotency-Key,
 * nothing may be doubled.
 */
jest.setTimeout(180_000);

describe('API killed between accepting a request and answering it', () => {
  let s: ProcessStack;
  let admin: Api;
  let api: TestChild;

  beforeAll(async () => {
    s = await startProcessStack();
    await s.explainFailure(async () => {
      await s.startWorker();
      api = await s.startApi();
      admin = apiClient(s.apiUrl, s.adminToken);
      await publishHelloApp(admin);
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  /** Replaces the running API with one that dies at the fault point, sends `request`, and brings a clean API back. */
  async function crashOn(request: () => Promise<unknown>): Promise<void> {
    await stopChild(api);
    const doomed = await s.startApi({ faultAt: FAULT_POINTS.afterWorkflowStart });
    await expect(request()).rejects.toThrow(); // the connection dropped: no answer at all
    expect((await waitForExit(doomed, 10_000)).signal).toBe('SIGKILL');
    const t = Date.now();
    api = await s.startApi();
    report(`API back ${secs(Date.now() - t)} after the crash`);
  }

  const deploymentsNamed = (name: string) =>
    s.db.selectFrom('deployments').selectAll().where('tenant_id', '=', 'acme').where('name', '=', name).execute();

  it('a create-and-deploy repeated with its Idempotency-Key after the crash maps to the one operation started', () =>
    s.explainFailure(async () => {
      const body = { app: 'hello', tenantId: 'acme', name: 'idem-deploy', version: '1.0.0', env: { GREETING: 'once' } };
      const key = { 'Idempotency-Key': 'crash-test-deploy-1' };
      await crashOn(() => admin('POST', '/api/deployments', body, key));
      // The crashed attempt did create the deployment and start its operation: the repeat must find them.
      const before = await deploymentsNamed('idem-deploy');
      expect(before).toHaveLength(1);
      const startedOps = await s.db.selectFrom('operations').select('id').where('deployment_id', '=', before[0].id).execute();
      expect(startedOps).toHaveLength(1);

      const again = await admin('POST', '/api/deployments', body, key);
      expect(again.status).toBe(202);
      const { deployment, operation } = again.body;
      expect(deployment.id).toBe(before[0].id);
      expect(operation.id).toBe(startedOps[0].id);
      expect(await deploymentsNamed('idem-deploy')).toHaveLength(1);
      expect((await waitForOperation(admin, operation.id)).status).toBe('succeeded');

      // A third try, after success, gets the same answer and starts nothing.
      const third = await admin('POST', '/api/deployments', body, key);
      expect(third.status).toBe(202);
      expect(third.body.operation.id).toBe(operation.id);
      expect(third.body.deployment.id).toBe(deployment.id);

      const r = await exactlyOnceReport({
        db: s.db,
        client: s.temporal.client,
        liveApps: s.liveApps,
        deploymentId: deployment.id,
        operationId: operation.id,
      });
      expectExactlyOnce(r, { kind: 'deploy', version: '1.0.0' });
      expect(r.operationsByKind).toEqual({ deploy: 1 });
      expect(r.allWorkflowRuns).toBe(1);
      expect(await servedVersions(s.proxyPort, deployment.hostname)).toEqual(['1.0.0']);
    }));

  it('an upgrade repeated with its Idempotency-Key after the crash maps to the one operation started', () =>
    s.explainFailure(async () => {
      const created = await admin('POST', '/api/deployments', {
        app: 'hello',
        tenantId: 'acme',
        name: 'idem-upgrade',
        version: '1.0.0',
        env: { GREETING: 'up' },
      });
      expect(created.status).toBe(202);
      const d = created.body.deployment as { id: string; hostname: string };
      expect((await waitForOperationClosed(admin, s.temporal.client, d.id, created.body.operation.id)).status).toBe('succeeded');

      const key = { 'Idempotency-Key': 'crash-test-upgrade-1' };
      await crashOn(() => admin('POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' }, key));
      const startedOps = await s.db
        .selectFrom('operations')
        .select('id')
        .where('deployment_id', '=', d.id)
        .where('kind', '=', 'upgrade')
        .execute();
      expect(startedOps).toHaveLength(1);

      const again = await admin('POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' }, key);
      expect(again.status).toBe(202);
      const op = again.body.operation as { id: string; kind: string };
      expect(op).toMatchObject({ id: startedOps[0].id, kind: 'upgrade' });
      expect((await waitForOperation(admin, op.id)).status).toBe('succeeded');

      const r = await exactlyOnceReport({
        db: s.db,
        client: s.temporal.client,
        liveApps: s.liveApps,
        deploymentId: d.id,
        operationId: op.id,
      });
      expectExactlyOnce(r, { kind: 'upgrade', version: '2.0.0', warmVersion: '1.0.0' });
      expect(r.operationsByKind).toEqual({ deploy: 1, upgrade: 1 });
      expect(r.allWorkflowRuns).toBe(2); // the deploy and the upgrade
      expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['2.0.0']);
    }));

  it('without an Idempotency-Key, the operation the lost answer named still completes and is visible', () =>
    s.explainFailure(async () => {
      await crashOn(() =>
        admin('POST', '/api/deployments', {
          app: 'hello',
          tenantId: 'acme',
          name: 'no-key',
          version: '1.0.0',
          env: { GREETING: 'lost answer' },
        }),
      );

      // The client never learnt the ids; the list finds the deployment, its operations the one started.
      const listed = await admin('GET', '/api/deployments?app=hello');
      const mine = (listed.body.deployments as { id: string; name: string; hostname: string }[]).filter((d) => d.name === 'no-key');
      expect(mine).toHaveLength(1);
      const ops = await admin('GET', `/api/deployments/${mine[0].id}/operations`);
      expect(ops.status).toBe(200);
      expect(ops.body.operations).toEqual([expect.objectContaining({ kind: 'deploy', toVersion: '1.0.0' })]);
      const op = ops.body.operations[0] as { id: string };
      expect((await waitForOperation(admin, op.id)).status).toBe('succeeded');

      const r = await exactlyOnceReport({
        db: s.db,
        client: s.temporal.client,
        liveApps: s.liveApps,
        deploymentId: mine[0].id,
        operationId: op.id,
      });
      expectExactlyOnce(r, { kind: 'deploy', version: '1.0.0' });
      expect(r.allWorkflowRuns).toBe(1);
      expect(await servedVersions(s.proxyPort, mine[0].hostname)).toEqual(['1.0.0']);
    }));
});
