import { apiClient } from '../helpers/apiClient';
import { answer, deployHello, helloRelease, type Api } from '../helpers/hello';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { countRows, settle } from './support';

/** Each lifecycle endpoint once, end to end, through the API a tenant uses. */
describe('Lifecycle endpoints drive real workflows', () => {
  let s: SlipwayStack;
  let admin: Api;
  let acme: Api;

  beforeAll(async () => {
    s = await startSlipwayStack();
    admin = apiClient(s.apiUrl, s.adminToken);
    acme = apiClient(s.apiUrl, await s.tenantToken('acme'));
    expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1))).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
  });

  const start = async (path: string, body: unknown = {}, headers: Record<string, string> = {}) => {
    const r = await acme('POST', path, body, headers);
    if (r.status !== 202) throw new Error(`${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    const op = await settle(s, acme, r.body.operation.id);
    if (op.status !== 'succeeded') throw new Error(`${path} ended ${op.status}: ${JSON.stringify(op.error)}`);
    return { started: r.body, op };
  };

  it('upgrades to the newest release, rolls back, suspends, resumes, restarts and destroys', async () => {
    const d = await deployHello(acme, { name: 'flow', env: { GREETING: 'hi' } });
    await settle(s, acme, (await acme('GET', `/api/deployments/${d.id}/operations`)).body.operations[0].id);
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(2))).status).toBe(201);
    expect((await acme('GET', `/api/deployments/${d.id}`)).body.updateAvailable).toEqual({ version: '2.0.0' });

    const up = await start(`/api/deployments/${d.id}/upgrade`, {}, { 'X-Slipway-Trigger': 'dashboard' });
    expect(up.started.operation).toMatchObject({
      kind: 'upgrade',
      trigger: 'dashboard',
      fromVersion: '1.0.0',
      toVersion: '2.0.0',
      strategy: 'blue_green',
      actor: 'tenant:tenant-acme',
    });
    expect((await answer(s, d.hostname)).json.version).toBe('2.0.0');
    expect((await acme('POST', `/api/deployments/${d.id}/upgrade`, {})).body.code).toBe('already_on_version');

    const back = await start(`/api/deployments/${d.id}/rollback`);
    expect(back.started.operation).toMatchObject({ kind: 'rollback', toVersion: '1.0.0' });
    expect((await answer(s, d.hostname)).json.version).toBe('1.0.0');

    await start(`/api/deployments/${d.id}/suspend`);
    expect((await acme('GET', `/api/deployments/${d.id}`)).body.status).toBe('suspended');
    expect((await answer(s, d.hostname)).status).not.toBe(200);
    const suspendAgain = await acme('POST', `/api/deployments/${d.id}/suspend`, {});
    expect(suspendAgain.body.code).toBe('illegal_transition');

    await start(`/api/deployments/${d.id}/resume`);
    expect((await answer(s, d.hostname)).json.version).toBe('1.0.0');

    const restart = await start(`/api/deployments/${d.id}/restart`);
    expect(restart.started.operation).toMatchObject({ kind: 'restart', toVersion: '1.0.0', configRevision: 1 });

    const destroy = await start(`/api/deployments/${d.id}/destroy`, { confirm: d.id });
    expect(destroy.started.operation.kind).toBe('teardown');
    expect((await acme('GET', `/api/deployments/${d.id}`)).body.status).toBe('destroyed');

    // Destroying again is harmless: 200, the same teardown, nothing started.
    const ops = await countRows(s, 'operations');
    const again = await acme('POST', `/api/deployments/${d.id}/destroy`, { confirm: d.id });
    expect(again.status).toBe(200);
    expect(again.body.operation.id).toBe(destroy.started.operation.id);
    for (const action of ['upgrade', 'restart', 'resume', 'rollback', 'suspend', 'retry']) {
      const r = await acme('POST', `/api/deployments/${d.id}/${action}`, {});
      expect([action, r.status, r.body.code]).toEqual([action, 409, 'illegal_transition']);
    }
    expect((await acme('PUT', `/api/deployments/${d.id}/env`, { env: { GREETING: 'x' } })).body.code).toBe('illegal_transition');
    expect(await countRows(s, 'operations')).toBe(ops);
  });
});
