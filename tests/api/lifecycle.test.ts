import { apiClient } from '../helpers/apiClient';
import { answer, deployHello, helloRelease, type Api } from '../helpers/hello';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { countRows, settle } from './support';

const ACTIONS = ['upgrade', 'retry', 'rollback', 'restart', 'suspend', 'resume'] as const;

describe('Lifecycle endpoints: checks before anything starts', () => {
  let s: SlipwayStack;
  let admin: Api;
  let acme: Api;
  let globex: Api;
  let running: { id: string; hostname: string };

  beforeAll(async () => {
    s = await startSlipwayStack();
    admin = apiClient(s.apiUrl, s.adminToken);
    acme = apiClient(s.apiUrl, await s.tenantToken('acme'));
    globex = apiClient(s.apiUrl, await s.tenantToken('globex'));
    expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1))).status).toBe(201);
    running = await deployHello(acme, { name: 'main', env: { GREETING: 'hi', SECRET_TOKEN: 's3cr3t-value' }, secretEnv: ['SECRET_TOKEN'] });
    const ops = (await acme('GET', `/api/deployments/${running.id}/operations`)).body.operations;
    await settle(s, acme, ops[0].id);
  });
  afterAll(async () => {
    await s?.close();
  });

  const ops = () => countRows(s, 'operations');

  it("answers 404 for another tenant's deployment on every endpoint, and starts nothing", async () => {
    const before = await ops();
    for (const action of ACTIONS) {
      const r = await globex('POST', `/api/deployments/${running.id}/${action}`, {});
      expect([action, r.status, r.body.code]).toEqual([action, 404, 'not_found']);
    }
    expect((await globex('POST', `/api/deployments/${running.id}/destroy`, { confirm: running.id })).status).toBe(404);
    expect((await globex('PUT', `/api/deployments/${running.id}/env`, { env: { GREETING: 'pwned' } })).status).toBe(404);
    expect((await globex('GET', `/api/deployments/${running.id}/operations`)).status).toBe(404);
    const opId = (await acme('GET', `/api/deployments/${running.id}/operations`)).body.operations[0].id;
    expect((await globex('GET', `/api/operations/${opId}`)).status).toBe(404);
    expect((await globex('GET', `/api/operations/${opId}/logs`)).status).toBe(404);
    expect((await globex('GET', `/api/operations/${opId}/logs?follow=1`)).status).toBe(404);
    expect(await ops()).toBe(before);
    expect((await acme('GET', `/api/deployments/${running.id}`)).body.configRevision).toBe(1);
  });

  it.each<[string, string, RegExp]>([
    ['rollback with no previous version', 'rollback', /no previous version/],
    ['resume of a running deployment', 'resume', /cannot resume a deployment that is running/],
    ['retry of a running deployment', 'retry', /cannot retry a deployment that is running/],
  ])('refuses %s with 409 illegal_transition and records no operation', async (_n, action, reason) => {
    const before = await ops();
    const r = await acme('POST', `/api/deployments/${running.id}/${action}`, {});
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ code: 'illegal_transition', message: expect.stringMatching(reason) });
    expect(await ops()).toBe(before);
  });

  it('refuses an upgrade to the version it already runs (409 already_on_version) and to a missing release (400)', async () => {
    const before = await ops();
    const same = await acme('POST', `/api/deployments/${running.id}/upgrade`, {});
    expect(same.status).toBe(409);
    expect(same.body.code).toBe('already_on_version');
    const missing = await acme('POST', `/api/deployments/${running.id}/upgrade`, { version: '9.9.9' });
    expect(missing.status).toBe(400);
    expect(missing.body.fields).toEqual([{ field: 'body.version', message: 'no such release' }]);
    const badStrategy = await acme('POST', `/api/deployments/${running.id}/upgrade`, { strategy: 'yolo' });
    expect(badStrategy.status).toBe(400);
    expect(badStrategy.body.fields[0].field).toBe('body.strategy');
    const canaryOnBlueGreen = await acme('POST', `/api/deployments/${running.id}/upgrade`, {
      strategy: 'blue_green',
      canary: { steps: [50, 100] },
    });
    expect(canaryOnBlueGreen.status).toBe(400);
    expect(canaryOnBlueGreen.body.fields[0].field).toBe('body.canary');
    const fallingSteps = await acme('POST', `/api/deployments/${running.id}/upgrade`, {
      strategy: 'canary',
      canary: { steps: [50, 20, 100] },
    });
    expect(fallingSteps.status).toBe(400);
    expect(fallingSteps.body.fields[0]).toEqual({ field: 'body.canary.steps', message: 'steps must rise' });
    expect(await ops()).toBe(before);
  });

  it('needs the deployment id as confirm to destroy (400 otherwise)', async () => {
    const before = await ops();
    const none = await acme('POST', `/api/deployments/${running.id}/destroy`, {});
    expect(none.status).toBe(400);
    expect(none.body.fields[0].field).toBe('body.confirm');
    const wrong = await acme('POST', `/api/deployments/${running.id}/destroy`, { confirm: 'd-someother' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.fields).toEqual([{ field: 'body.confirm', message: 'must equal the deployment id' }]);
    expect(await ops()).toBe(before);
  });

  it('validates X-Slipway-Trigger and keeps "admin" to admins', async () => {
    const before = await ops();
    const bad = await acme('POST', `/api/deployments/${running.id}/restart`, {}, { 'X-Slipway-Trigger': 'cron' });
    expect(bad.status).toBe(400);
    expect(bad.body.fields[0].field).toBe('headers.x-slipway-trigger');
    const claimed = await acme('POST', `/api/deployments/${running.id}/restart`, {}, { 'X-Slipway-Trigger': 'admin' });
    expect(claimed.status).toBe(400);
    expect(await ops()).toBe(before);
  });

  it('answers 409 operation_in_flight, naming the running operation, while another runs', async () => {
    const created = await acme('POST', '/api/deployments', {
      app: 'hello',
      name: 'slow',
      env: { GREETING: 'x', HELLO_START_DELAY_MS: '4000' },
    });
    expect(created.status).toBe(202);
    const { deployment, operation } = created.body;
    const before = await ops();
    const r = await acme('POST', `/api/deployments/${deployment.id}/restart`, {}, { 'X-Slipway-Trigger': 'dashboard' });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({
      code: 'operation_in_flight',
      operationId: operation.id,
      message: expect.stringContaining(operation.id),
    });
    // Env changes are refused too, and nothing is saved under the running deploy.
    const env = await acme('PUT', `/api/deployments/${deployment.id}/env`, { env: { GREETING: 'y' } });
    expect(env.status).toBe(409);
    expect(env.body.code).toBe('operation_in_flight');
    expect(await ops()).toBe(before);
    expect((await settle(s, acme, operation.id)).status).toBe('succeeded');
    expect((await acme('GET', `/api/deployments/${deployment.id}`)).body.configRevision).toBe(1);
  });

  it('PUT env saves without echoing values, bumps configRevision and restarts onto it (trigger env_change)', async () => {
    const r = await acme('PUT', `/api/deployments/${running.id}/env`, {
      env: { GREETING: 'changed greeting', API_KEY: 'k-123456' },
      secretEnv: ['API_KEY'],
      unset: ['SECRET_TOKEN'],
    });
    expect(r.status).toBe(202);
    const text = JSON.stringify(r.body);
    for (const value of ['changed greeting', 'k-123456', 's3cr3t-value']) expect(text).not.toContain(value);
    expect(r.body.changed).toEqual({ set: ['API_KEY', 'GREETING'], unset: ['SECRET_TOKEN'] });
    expect(r.body.deployment.configRevision).toBe(2);
    expect(r.body.operation).toMatchObject({ kind: 'restart', trigger: 'env_change', configRevision: 2 });
    const rows = await s.db
      .selectFrom('deployment_env_vars')
      .select(['key', 'secret'])
      .where('deployment_id', '=', running.id)
      .where('source', '=', 'tenant')
      .orderBy('key')
      .execute();
    expect(rows).toEqual([
      { key: 'API_KEY', secret: true },
      { key: 'GREETING', secret: false },
    ]);

    const done = await settle(s, acme, r.body.operation.id);
    if (done.status !== 'succeeded') throw new Error(`restart failed: ${JSON.stringify(done.error)}`);
    expect((await answer(s, running.hostname)).json.greeting).toBe('changed greeting');
    expect((await acme('GET', `/api/deployments/${running.id}`)).body).toMatchObject({ status: 'running', configRevision: 2 });
  });

  it('PUT env validates names (400 naming body.env.<KEY>) and saves for later where nothing can restart', async () => {
    const bad = await acme('PUT', `/api/deployments/${running.id}/env`, { env: { SLIPWAY_X: '1', 'BAD-NAME': '2' } });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(['body.env.BAD-NAME', 'body.env.SLIPWAY_X']);
    expect((await acme('PUT', `/api/deployments/${running.id}/env`, {})).status).toBe(400);

    // A deploy that failed for lack of GREETING: nothing serves, so the value waits for the retry.
    const created = await acme('POST', '/api/deployments', { app: 'hello', name: 'no-greeting' });
    const failed = await settle(s, acme, created.body.operation.id);
    expect(failed.status).toBe('failed');
    const id = created.body.deployment.id;
    const before = await ops();
    const saved = await acme('PUT', `/api/deployments/${id}/env`, { env: { GREETING: 'late but here' } });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      operation: null,
      message: 'saved; applies at the next deploy/resume/retry',
      deployment: { configRevision: 2, status: 'failed' },
    });
    expect(JSON.stringify(saved.body)).not.toContain('late but here');
    expect(await ops()).toBe(before);

    // retry picks the failed deploy and runs it with the saved value.
    const retry = await acme('POST', `/api/deployments/${id}/retry`, {});
    expect(retry.status).toBe(202);
    expect(retry.body.operation).toMatchObject({ kind: 'retry', retryOf: failed.id, toVersion: '1.0.0' });
    const shown = await acme('GET', `/api/operations/${retry.body.operation.id}`);
    expect(shown.body.retryOf).toBe(failed.id);
    const done = await settle(s, acme, retry.body.operation.id);
    if (done.status !== 'succeeded') throw new Error(`retry failed: ${JSON.stringify(done.error)}`);
    expect((await answer(s, created.body.deployment.hostname)).json.greeting).toBe('late but here');
    // Nothing left to retry on a running deployment: the transition says so first.
    expect((await acme('POST', `/api/deployments/${id}/retry`, {})).body.code).toBe('illegal_transition');
  });
});
