import { apiClient } from '../helpers/apiClient';
import { helloRelease, waitForOperation } from '../helpers/hello';
import { useHelloStack } from '../helpers/helloStack';
import { countRows, settle, settledWorkflowRuns } from './support';

describe('Idempotency-Key: a repeated request gets the first answer and starts nothing', () => {
  const h = useHelloStack(() => [helloRelease(1)]);

  const count = (table: 'operations' | 'deployments') => countRows(h.s, table);

  it('replays the first answer to a repeated POST /api/deployments: one deployment, one operation, one workflow run', async () => {
    const before = { ops: await count('operations'), deps: await count('deployments') };
    const body = { app: 'hello', name: 'idem-one', env: { GREETING: 'hi' } };
    const first = await h.tenant('POST', '/api/deployments', body, { 'Idempotency-Key': 'create-1' });
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // Same body with keys in another order is the same request.
    const again = await h.tenant(
      'POST',
      '/api/deployments',
      { env: { GREETING: 'hi' }, name: 'idem-one', app: 'hello' },
      { 'Idempotency-Key': 'create-1' },
    );
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await count('operations')).toBe(before.ops + 1);
    expect(await count('deployments')).toBe(before.deps + 1);

    const id = first.body.deployment.id;
    await settle(h.s, h.tenant, first.body.operation.id);
    expect(await settledWorkflowRuns(h.s.temporal.client, id)).toBe(1);
    const row = await h.s.db
      .selectFrom('operations')
      .select(['idempotency_key'])
      .where('id', '=', first.body.operation.id)
      .executeTakeFirstOrThrow();
    expect(row.idempotency_key).toBe('create-1');
  });

  it('answers 422 idempotency_key_reused for the same key with another body or path', async () => {
    const first = await h.tenant(
      'POST',
      '/api/deployments',
      { app: 'hello', name: 'idem-two', env: { GREETING: 'a' } },
      { 'Idempotency-Key': 'create-2' },
    );
    expect(first.status).toBe(202);
    const ops = await count('operations');
    const otherBody = await h.tenant(
      'POST',
      '/api/deployments',
      { app: 'hello', name: 'idem-two', env: { GREETING: 'b' } },
      { 'Idempotency-Key': 'create-2' },
    );
    expect(otherBody.status).toBe(422);
    expect(otherBody.body.code).toBe('idempotency_key_reused');
    const otherPath = await h.tenant('POST', `/api/deployments/${first.body.deployment.id}/restart`, {}, { 'Idempotency-Key': 'create-2' });
    expect(otherPath.status).toBe(422);
    expect(await count('operations')).toBe(ops);
    await waitForOperation(h.tenant, first.body.operation.id);
  });

  it('scopes keys to the token: another token may use the same key for its own request', async () => {
    const globex = apiClient(h.s.apiUrl, await h.s.tenantToken('globex'));
    const a = await h.tenant(
      'POST',
      '/api/deployments',
      { app: 'hello', name: 'shared-key', env: { GREETING: 'a' } },
      { 'Idempotency-Key': 'same-key' },
    );
    const b = await globex(
      'POST',
      '/api/deployments',
      { app: 'hello', name: 'shared-key', env: { GREETING: 'a' } },
      { 'Idempotency-Key': 'same-key' },
    );
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.body.deployment.id).not.toBe(a.body.deployment.id);
    expect(b.body.deployment.tenantId).toBe('globex');
    await waitForOperation(h.tenant, a.body.operation.id);
    await waitForOperation(globex, b.body.operation.id);
  });

  it('replays 4xx answers too', async () => {
    const first = await h.tenant('POST', '/api/deployments', { app: 'nope' }, { 'Idempotency-Key': 'bad-app' });
    expect(first.status).toBe(400);
    const again = await h.tenant('POST', '/api/deployments', { app: 'nope' }, { 'Idempotency-Key': 'bad-app' });
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('rejects an empty or over-long key with 400 naming the header', async () => {
    for (const key of ['', 'k'.repeat(201)]) {
      const r = await h.tenant('POST', '/api/deployments', { app: 'hello' }, { 'Idempotency-Key': key });
      expect(r.status).toBe(400);
      expect(r.body.fields).toEqual([{ field: 'headers.idempotency-key', message: expect.any(String) }]);
    }
  });

  it('converges on one deployment and one operation when the first attempt died before storing its answer', async () => {
    const body = { app: 'hello', name: 'crashy', env: { GREETING: 'x' } };
    const first = await h.tenant('POST', '/api/deployments', body, { 'Idempotency-Key': 'crash-1' });
    expect(first.status).toBe(202);
    // What a SIGKILL between starting the workflow and answering leaves behind: a claimed key, no answer.
    await h.s.db.updateTable('idempotency_keys').set({ status_code: null, response: null }).where('key', '=', 'crash-1').execute();
    const ops = await count('operations');
    const deps = await count('deployments');
    const again = await h.tenant('POST', '/api/deployments', body, { 'Idempotency-Key': 'crash-1' });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.deployment.id).toBe(first.body.deployment.id);
    expect(again.body.operation.id).toBe(first.body.operation.id);
    expect(await count('operations')).toBe(ops);
    expect(await count('deployments')).toBe(deps);
    const done = await settle(h.s, h.tenant, first.body.operation.id);
    expect(done.status).toBe('succeeded');

    // The same for a lifecycle operation, retried after it already started (status moved on).
    const id = first.body.deployment.id;
    const restart = await h.tenant('POST', `/api/deployments/${id}/restart`, {}, { 'Idempotency-Key': 'crash-2' });
    expect(restart.status).toBe(202);
    await h.s.db.updateTable('idempotency_keys').set({ status_code: null, response: null }).where('key', '=', 'crash-2').execute();
    const restartAgain = await h.tenant('POST', `/api/deployments/${id}/restart`, {}, { 'Idempotency-Key': 'crash-2' });
    expect(restartAgain.status).toBe(202);
    expect(restartAgain.body.operation.id).toBe(restart.body.operation.id);
    await settle(h.s, h.tenant, restart.body.operation.id);
    expect(await settledWorkflowRuns(h.s.temporal.client, id, 2)).toBe(2);
  });
});
