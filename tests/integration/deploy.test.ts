import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deploymentWorkflowId } from '../../domain/operations';
import { apiClient, eventually, viaRouter } from '../helpers/apiClient';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';

const releaseBody = (v: 1 | 2) => JSON.parse(readFileSync(path.join(__dirname, '../../examples/hello-app', `release-v${v}.json`), 'utf8'));

describe('Deploy, end to end on real Temporal, Postgres, processes and router', () => {
  let s: SlipwayStack;
  let admin: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    s = await startSlipwayStack();
    admin = apiClient(s.apiUrl, s.adminToken);
    expect((await admin('POST', '/api/apps', { slug: 'hello', name: 'Hello' })).status).toBe(201);
    expect((await admin('POST', '/api/apps/hello/releases', releaseBody(1))).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
  });

  const waitForOperation = (id: string, api = admin) =>
    eventually(`operation ${id} to finish`, async () => {
      const r = await api('GET', `/api/operations/${id}`);
      return ['succeeded', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
    });

  it('deploys hello-app and serves it through the router', async () => {
    const tenant = apiClient(s.apiUrl, await s.tenantToken('acme'));
    const created = await tenant('POST', '/api/deployments', { app: 'hello', env: { GREETING: 'hi from acme' } });
    expect(created.status).toBe(202);
    const { deployment, operation } = created.body;
    expect(operation).toMatchObject({
      kind: 'deploy',
      trigger: 'api',
      status: 'pending',
      toVersion: '1.0.0',
      workflowId: deploymentWorkflowId(deployment.id),
    });
    expect(deployment.hostname).toBe(`${deployment.id}.localhost`);

    const done = await waitForOperation(operation.id, tenant);
    expect(done).toMatchObject({ status: 'succeeded', error: null });
    expect(done.runId).toEqual(expect.any(String));

    const shown = await tenant('GET', `/api/deployments/${deployment.id}`);
    expect(shown.body).toMatchObject({
      status: 'running',
      progress: 100,
      servingVersion: '1.0.0',
      releaseVersion: '1.0.0',
      activeSlot: 'blue',
      updateAvailable: null,
    });

    const res = await viaRouter(s.proxyPort, deployment.hostname);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ version: '1.0.0', greeting: 'hi from acme' });

    // Every phase left its line in the operation log, in order.
    const logs = await tenant('GET', `/api/operations/${operation.id}/logs`);
    const phases = [...new Set(logs.body.logs.map((l: { phase: string }) => l.phase))];
    expect(phases).toEqual([
      'fetchDeployment',
      'resolveEnv',
      'snapshotCurrent',
      'startRevision',
      'awaitReady',
      'switchTraffic',
      'finalize',
    ]);

    // Temporal recorded the workflow under the deployment's id.
    const wf = s.temporal.client.workflow.getHandle(deploymentWorkflowId(deployment.id));
    await wf.result();
    const desc = await wf.describe();
    expect(desc.type).toBe('deployWorkflow');
    expect(desc.status.name).toBe('COMPLETED');

    // Another tenant cannot see it; an admin can.
    const other = apiClient(s.apiUrl, await s.tenantToken('globex'));
    expect((await other('GET', `/api/deployments/${deployment.id}`)).status).toBe(404);
    expect((await other('GET', `/api/operations/${operation.id}`)).status).toBe(404);
    expect((await other('GET', '/api/deployments')).body.deployments).toEqual([]);
    expect((await admin('GET', `/api/deployments/${deployment.id}`)).status).toBe(200);
  });

  it('fails a deploy that lacks a required env var, non-retryably, leaving nothing running', async () => {
    const created = await admin('POST', '/api/deployments', { app: 'hello', tenantId: 'acme', name: 'no-greeting' });
    expect(created.status).toBe(202);
    const { deployment, operation } = created.body;
    const done = await waitForOperation(operation.id);
    expect(done.status).toBe('failed');
    expect(done.error).toEqual({ type: 'MissingRequiredEnv', message: expect.stringContaining('GREETING') });

    const shown = await admin('GET', `/api/deployments/${deployment.id}`);
    expect(shown.body).toMatchObject({ status: 'failed', servingVersion: null, lastError: expect.stringContaining('GREETING') });
    expect(await s.compute.list(deployment.id)).toEqual([]);
    expect(await s.router.getRoute(deployment.id)).toBeNull();
    expect((await viaRouter(s.proxyPort, deployment.hostname)).status).toBe(404);

    // Non-retryable: the activity ran once, and the workflow failed rather than retrying.
    const handle = s.temporal.client.workflow.getHandle(deploymentWorkflowId(deployment.id));
    // The operation row reads failed a moment before the workflow itself closes.
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('FAILED');
    const history = await handle.fetchHistory();
    // resolveEnv is a local activity: its one outcome is a marker naming it, failed for good.
    const resolveMarkers = (history.events ?? []).filter((e) => {
      const m = e.markerRecordedEventAttributes;
      const data = m?.markerName === 'core_local_activity' ? m.details?.data?.payloads?.[0]?.data : undefined;
      return data ? JSON.parse(Buffer.from(data).toString()).activity_type === 'resolveEnv' : false;
    });
    expect(resolveMarkers).toHaveLength(1);
    expect(resolveMarkers[0].markerRecordedEventAttributes?.failure?.applicationFailureInfo?.nonRetryable).toBe(true);
  });

  it('stops the new revision when it never becomes ready, and says why', async () => {
    const body = releaseBody(1);
    body.version = '1.0.1-broken';
    body.manifest.services[0].readiness.timeoutSeconds = 3;
    expect((await admin('POST', '/api/apps/hello/releases', body)).status).toBe(201);
    const created = await admin('POST', '/api/deployments', {
      app: 'hello',
      tenantId: 'acme',
      name: 'never-ready',
      version: '1.0.1-broken',
      env: { GREETING: 'x', HELLO_NEVER_READY: '1' },
    });
    expect(created.status).toBe(202);
    const done = await waitForOperation(created.body.operation.id);
    expect(done.error).toEqual({ type: 'ReadinessTimeout', message: expect.stringContaining('not ready within 3s') });
    expect(await s.compute.list(created.body.deployment.id)).toEqual([]);
  });

  it('reports a revision that crashes before it is ready, with its output in the log', async () => {
    const created = await admin('POST', '/api/deployments', {
      app: 'hello',
      tenantId: 'acme',
      name: 'crasher',
      version: '1.0.0',
      env: { GREETING: 'x', HELLO_START_DELAY_MS: '5000', HELLO_CRASH_AFTER_MS: '300' },
    });
    const done = await waitForOperation(created.body.operation.id);
    expect(done.error?.type).toBe('RevisionCrashed');
    const logs = await admin('GET', `/api/operations/${created.body.operation.id}/logs`);
    expect(logs.body.logs.some((l: { phase: string; level: string }) => l.phase === 'awaitReady' && l.level === 'error')).toBe(true);
  });
});
