import { liveRevisions } from '../../db/queries/revisions';
import { apiClient, eventually } from '../helpers/apiClient';
import { answer, deployHello, helloRelease, runOperation, waitForOperation, type Api } from '../helpers/hello';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { keepRequesting } from '../helpers/trafficLoop';
import { ROUTER_COMPUTE_AND_KUBERNETES } from '../helpers/computeProviders';
import { CLUSTER_SETUP_TIMEOUT_MS } from '../helpers/kubernetesCluster';

/** Every lifecycle operation against the real stack, with traffic flowing where it must not break, on each router. */
describe.each(ROUTER_COMPUTE_AND_KUBERNETES)('lifecycle operations (%s router, %s compute)', (router, compute) => {
  let s: SlipwayStack;
  let admin: Api;
  let tenant: Api;

  beforeAll(async () => {
    s = await startSlipwayStack({ router, compute, rollbackWindowSeconds: 600 });
    const image = s.containers?.appImage;
    admin = apiClient(s.apiUrl, s.adminToken);
    tenant = apiClient(s.apiUrl, await s.tenantToken('acme'));
    expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1, { image }))).status).toBe(201);
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(2, { image }))).status).toBe(201);
    expect(
      (
        await admin(
          'POST',
          '/api/apps/hello/releases',
          helloRelease(1, { version: '2.0.1-broken', readinessTimeoutSeconds: 2, neverReady: true, image }),
        )
      ).status,
    ).toBe(201);
  }, CLUSTER_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await s?.close();
  });

  const show = async (id: string) => (await tenant('GET', `/api/deployments/${id}`)).body;
  const revisions = async (id: string) =>
    (await liveRevisions(s.db, id)).map((r) => ({ version: r.release_version, status: r.status, key: r.key }));

  describe('blue-green upgrade, failure, rollback', () => {
    let d: { id: string; hostname: string };

    beforeAll(async () => {
      d = await deployHello(tenant, { version: '1.0.0', env: { GREETING: 'hello' } });
    });

    it('upgrades to the newest release with zero failed requests, keeping the old revision warm', async () => {
      expect((await show(d.id)).updateAvailable).toEqual({ version: '2.0.1-broken' });
      const traffic = keepRequesting(s.proxyPort, d.hostname);
      const op = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
      const report = await traffic.stop();
      expect(op).toMatchObject({ kind: 'upgrade', status: 'succeeded', fromVersion: '1.0.0', toVersion: '2.0.0' });
      expect(report.failures).toEqual([]);
      expect(report.ok).toBeGreaterThan(0);
      expect((await answer(s, d.hostname)).json).toMatchObject({ version: '2.0.0', greeting: 'hello', secretLength: 32 });
      expect(await show(d.id)).toMatchObject({ status: 'running', servingVersion: '2.0.0', previousVersion: '1.0.0', progress: 100 });
      const revs = await revisions(d.id);
      expect(revs.filter((r) => r.status === 'serving').map((r) => r.version)).toEqual(['2.0.0']);
      expect(revs.filter((r) => r.status === 'warm').map((r) => r.version)).toEqual(['1.0.0']);
    });

    it('keeps the old revision serving when the new one never becomes ready', async () => {
      const traffic = keepRequesting(s.proxyPort, d.hostname);
      const op = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.1-broken' });
      const report = await traffic.stop();
      expect(op.status).toBe('failed');
      expect(op.error.type).toBe('ReadinessTimeout');
      expect(report.failures).toEqual([]);
      expect((await answer(s, d.hostname)).json.version).toBe('2.0.0');
      expect(await show(d.id)).toMatchObject({
        status: 'failed',
        servingVersion: '2.0.0',
        previousVersion: '1.0.0',
        lastError: expect.stringContaining('ReadinessTimeout'),
      });
      expect((await revisions(d.id)).filter((r) => r.version === '2.0.1-broken')).toEqual([]);
    });

    it('rolls back to the warm previous version as a pure traffic switch, and forward again', async () => {
      const traffic = keepRequesting(s.proxyPort, d.hostname);
      const back = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/rollback`);
      expect(back).toMatchObject({ kind: 'rollback', status: 'succeeded', toVersion: '1.0.0' });
      const logs = (await tenant('GET', `/api/operations/${back.id}/logs`)).body.logs.map((l: { message: string }) => l.message).join('\n');
      expect(logs).toMatch(/still warm: rolling back is a traffic switch/);
      expect(logs).not.toMatch(/started .* \(pid/);
      expect((await answer(s, d.hostname)).json.version).toBe('1.0.0');
      expect(await show(d.id)).toMatchObject({ status: 'running', servingVersion: '1.0.0', previousVersion: '2.0.0' });

      const forward = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/rollback`);
      expect(forward).toMatchObject({ status: 'succeeded', toVersion: '2.0.0' });
      expect((await answer(s, d.hostname)).json.version).toBe('2.0.0');
      expect(await show(d.id)).toMatchObject({ servingVersion: '2.0.0', previousVersion: '1.0.0' });
      expect((await traffic.stop()).failures).toEqual([]);
    });

    it('restarts with new env as a new config revision, with zero failed requests', async () => {
      const before = await show(d.id);
      const traffic = keepRequesting(s.proxyPort, d.hostname);
      const put = await tenant('PUT', `/api/deployments/${d.id}/env`, { env: { GREETING: 'bonjour' } });
      expect(put.status).toBe(202);
      expect(JSON.stringify(put.body)).not.toContain('bonjour');
      const op = await waitForOperation(tenant, put.body.operation.id);
      const report = await traffic.stop();
      expect(op).toMatchObject({ kind: 'restart', trigger: 'env_change', status: 'succeeded', configRevision: before.configRevision + 1 });
      expect(report.failures).toEqual([]);
      expect((await answer(s, d.hostname)).json).toMatchObject({ version: '2.0.0', greeting: 'bonjour' });
      expect(await show(d.id)).toMatchObject({
        servingVersion: '2.0.0',
        previousVersion: '1.0.0',
        configRevision: before.configRevision + 1,
      });
    });

    it('restarts plainly: a new process of the same release', async () => {
      const before = (await answer(s, d.hostname)).json.instance;
      const op = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/restart`);
      expect(op).toMatchObject({ kind: 'restart', status: 'succeeded' });
      const after = (await answer(s, d.hostname)).json;
      expect(after.version).toBe('2.0.0');
      expect(after.instance).not.toBe(before);
    });

    it('suspends with a clear 503 and resumes the same release and env', async () => {
      const op = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/suspend`);
      expect(op.status).toBe('succeeded');
      const r = await answer(s, d.hostname);
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toEqual(expect.any(String));
      expect(r.json).toMatchObject({ code: 'deployment_suspended', message: expect.stringContaining('suspended') });
      expect(await show(d.id)).toMatchObject({ status: 'suspended', servingVersion: null, releaseVersion: '2.0.0' });
      expect(await s.compute.list(d.id)).toEqual([]);
      expect((await tenant('POST', `/api/deployments/${d.id}/suspend`, {})).status).toBe(409);

      const resumed = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/resume`);
      expect(resumed.status).toBe('succeeded');
      expect((await answer(s, d.hostname)).json).toMatchObject({ version: '2.0.0', greeting: 'bonjour' });
      expect(await show(d.id)).toMatchObject({ status: 'running', servingVersion: '2.0.0' });
      expect((await tenant('POST', `/api/deployments/${d.id}/resume`, {})).status).toBe(409);
    });

    it('tears down only with confirmation, wipes env and refuses later operations', async () => {
      expect((await tenant('POST', `/api/deployments/${d.id}/destroy`, {})).status).toBe(400);
      expect((await tenant('POST', `/api/deployments/${d.id}/destroy`, { confirm: 'd-wrong' })).status).toBe(400);
      const op = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/destroy`, { confirm: d.id });
      expect(op).toMatchObject({ kind: 'teardown', status: 'succeeded' });
      expect(await show(d.id)).toMatchObject({ status: 'destroyed', servingVersion: null });
      expect((await answer(s, d.hostname)).status).toBe(404);
      expect(await s.compute.list(d.id)).toEqual([]);
      const env = await s.db.selectFrom('deployment_env_vars').selectAll().where('deployment_id', '=', d.id).execute();
      expect(env).toEqual([]);
      for (const action of ['upgrade', 'restart', 'rollback', 'suspend', 'resume', 'retry']) {
        const r = await tenant('POST', `/api/deployments/${d.id}/${action}`, {});
        expect([409, 400]).toContain(r.status);
      }
      const again = await tenant('POST', `/api/deployments/${d.id}/destroy`, { confirm: d.id });
      expect(again.status).toBe(200);
      expect(again.body.deployment.status).toBe('destroyed');
    });
  });

  it('retries a failed deploy with the same generated secret once the tenant fixed its env', async () => {
    const created = await tenant('POST', '/api/deployments', { app: 'hello', version: '2.0.0', name: 'needs-env' });
    const failed = await waitForOperation(tenant, created.body.operation.id);
    expect(failed.error.type).toBe('MissingRequiredEnv');
    const id = created.body.deployment.id;
    const secretAfterFailure = (
      await s.db
        .selectFrom('deployment_env_vars')
        .select('value')
        .where('deployment_id', '=', id)
        .where('key', '=', 'SESSION_SECRET')
        .executeTakeFirstOrThrow()
    ).value;

    const put = await tenant('PUT', `/api/deployments/${id}/env`, { env: { GREETING: 'fixed' } });
    expect(put.status).toBe(200);
    expect(put.body.operation).toBeNull();
    const retried = await runOperation(tenant, 'POST', `/api/deployments/${id}/retry`);
    expect(retried).toMatchObject({ kind: 'retry', status: 'succeeded', retryOf: failed.id });
    const secretAfterRetry = (
      await s.db
        .selectFrom('deployment_env_vars')
        .select('value')
        .where('deployment_id', '=', id)
        .where('key', '=', 'SESSION_SECRET')
        .executeTakeFirstOrThrow()
    ).value;
    expect(secretAfterRetry).toBe(secretAfterFailure);
    expect(await show(id)).toMatchObject({ status: 'running', servingVersion: '2.0.0' });
    expect((await tenant('POST', `/api/deployments/${id}/retry`, {})).status).toBe(409);
  });

  it('upgrades with recreate: old stopped first, users told to retry, nothing warm left', async () => {
    const d = await deployHello(tenant, { version: '1.0.0', name: 'recreated', strategy: 'recreate', env: { GREETING: 'x' } });
    const op = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
    expect(op.status).toBe('succeeded');
    expect((await answer(s, d.hostname)).json.version).toBe('2.0.0');
    expect((await revisions(d.id)).map((r) => `${r.version}:${r.status}`)).toEqual(['2.0.0:serving']);
  });

  it('brings the old revision back when a recreate upgrade fails', async () => {
    const d = await deployHello(tenant, { version: '2.0.0', name: 'recreate-fails', strategy: 'recreate', env: { GREETING: 'y' } });
    const op = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.1-broken' });
    expect(op.status).toBe('failed');
    await eventually('old version to serve again', async () =>
      (await answer(s, d.hostname)).json?.version === '2.0.0' ? true : undefined,
    );
    expect(await show(d.id)).toMatchObject({ status: 'failed', servingVersion: '2.0.0' });
  });

  it('refuses illegal transitions with 409 and starts nothing', async () => {
    const d = await deployHello(tenant, { version: '1.0.0', name: 'fresh', env: { GREETING: 'z' } });
    const count = async () => (await tenant('GET', `/api/deployments/${d.id}/operations`)).body.operations.length;
    const before = await count();
    const rb = await tenant('POST', `/api/deployments/${d.id}/rollback`, {});
    expect(rb.status).toBe(409);
    expect(rb.body.message).toMatch(/no previous version/);
    expect((await tenant('POST', `/api/deployments/${d.id}/resume`, {})).status).toBe(409);
    expect(await count()).toBe(before);
  });
});

describe('rollback after the rollback window', () => {
  let s: SlipwayStack;
  beforeAll(async () => {
    s = await startSlipwayStack({ rollbackWindowSeconds: 1 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('stops the warm revision when the window ends, and a rollback then redeploys', async () => {
    const admin = apiClient(s.apiUrl, s.adminToken);
    await admin('POST', '/api/apps', { slug: 'hello' });
    await admin('POST', '/api/apps/hello/releases', helloRelease(1));
    await admin('POST', '/api/apps/hello/releases', helloRelease(2));
    const d = await deployHello(admin, { tenantId: 'acme', version: '1.0.0', env: { GREETING: 'w' } });
    expect((await runOperation(admin, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' })).status).toBe('succeeded');
    await eventually(
      'v1 to be retired',
      async () => {
        const revs = await liveRevisions(s.db, d.id);
        return revs.some((r) => r.release_version === '1.0.0') ? undefined : true;
      },
      30_000,
    );
    expect((await s.compute.list(d.id)).length).toBe(1);
    const back = await runOperation(admin, 'POST', `/api/deployments/${d.id}/rollback`);
    expect(back.status).toBe('succeeded');
    const logs = (await admin('GET', `/api/operations/${back.id}/logs`)).body.logs.map((l: { message: string }) => l.message).join('\n');
    expect(logs).toMatch(/no warm revision of 1.0.0: redeploying it/);
    expect((await answer(s, d.hostname)).json.version).toBe('1.0.0');
  });
});
