import { signBody } from '../../domain/signature';
import { apiClient } from '../helpers/apiClient';
import { deployHello, helloRelease, waitForOperation, type Api } from '../helpers/hello';
import { withStack } from '../helpers/withStack';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { countRows, settle } from '../api/support';

/** A push as a CI step (or GitHub) sends it: the exact bytes, signed. */
async function push(s: SlipwayStack, secret: string | null, payload: unknown, delivery: string, headers: Record<string, string> = {}) {
  const raw = JSON.stringify(payload);
  const res = await fetch(`${s.apiUrl}/api/apps/hello/webhooks/push`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(delivery ? { 'x-slipway-delivery': delivery } : {}),
      ...(secret ? { 'x-hub-signature-256': signBody(secret, raw) } : {}),
      ...headers,
    },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Every string and payload byte of a history, decoded: what anyone with Temporal access could read. */
function historyText(v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return v.map(historyText).join('\n');
  if (v && typeof v === 'object') return Object.values(v).map(historyText).join('\n');
  return typeof v === 'string' ? v : '';
}

const v2 = () => {
  const r = helloRelease(2);
  return { version: r.version, artifact: r.artifact };
};

describe('Push to deploy: POST /api/apps/:slug/webhooks/push', () => {
  let s: SlipwayStack;
  let admin: Api;
  let acme: Api;
  let secret: string;
  let auto: { id: string };
  let manual: { id: string };

  withStack(async (stack, a) => {
    s = stack;
    admin = a;
    acme = apiClient(s.apiUrl, await s.tenantToken('acme'));
    expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1))).status).toBe(201);
    auto = await deployHello(acme, { name: 'auto', env: { GREETING: 'hi' }, autoDeploy: true });
    manual = await deployHello(acme, { name: 'manual', env: { GREETING: 'hi' } });
    for (const d of [auto, manual]) await settle(s, acme, (await acme('GET', `/api/deployments/${d.id}/operations`)).body.operations[0].id);
  });

  const releases = async () => (await admin('GET', '/api/apps/hello/releases')).body.releases.map((r: any) => r.version);

  it('sets the secret for admins only, shows it once, and stores it sealed', async () => {
    expect((await acme('POST', '/api/apps/hello/webhook-secret', {})).status).toBe(403);
    const r = await admin('POST', '/api/apps/hello/webhook-secret', {});
    expect(r.status).toBe(201);
    secret = r.body.secret;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const row = await s.db.selectFrom('apps').select(['webhook_secret']).where('slug', '=', 'hello').executeTakeFirstOrThrow();
    expect(row.webhook_secret).not.toContain(secret);
    expect(JSON.stringify((await admin('GET', '/api/apps')).body)).not.toContain(secret);
    const short = await admin('POST', '/api/apps/hello/webhook-secret', { secret: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.fields[0].field).toBe('body.secret');
  });

  it('answers 401 to a missing or wrong signature (and to an unknown app) and creates nothing', async () => {
    const ops = await countRows(s, 'operations');
    expect(await push(s, null, v2(), 'd-1')).toMatchObject({ status: 401, body: { code: 'bad_signature' } });
    expect(await push(s, 'not-the-secret-at-all', v2(), 'd-2')).toMatchObject({ status: 401 });
    // Signed over other bytes than those sent.
    const tampered = await push(s, secret, v2(), 'd-3', { 'x-hub-signature-256': signBody(secret, JSON.stringify({ version: '6.6.6' })) });
    expect(tampered.status).toBe(401);
    // Unsigned garbage learns nothing about its JSON either.
    const garbage = await fetch(`${s.apiUrl}/api/apps/hello/webhooks/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(garbage.status).toBe(401);
    const nobody = await fetch(`${s.apiUrl}/api/apps/nobody/webhooks/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(secret, '{}'), 'x-slipway-delivery': 'x' },
      body: '{}',
    });
    expect(nobody.status).toBe(401);
    expect(await releases()).toEqual(['1.0.0']);
    expect(await countRows(s, 'operations')).toBe(ops);
  });

  it('refuses a signed push without a delivery id or with a bad body with 400 naming the field', async () => {
    const noId = await push(s, secret, v2(), '');
    expect(noId.status).toBe(400);
    expect(noId.body.fields[0].field).toBe('headers.x-slipway-delivery');
    const noArtifact = await push(s, secret, { version: '2.0.0' }, 'bad-1');
    expect(noArtifact.status).toBe(400);
    expect(noArtifact.body.fields[0].field).toBe('body.artifact');
    expect(await releases()).toEqual(['1.0.0']);
  });

  it('creates the release from a signed push and upgrades only the autoDeploy deployment, trigger webhook', async () => {
    const r = await push(s, secret, v2(), 'delivery-42');
    expect(r.status).toBe(202);
    expect(r.body.release.version).toBe('2.0.0');
    expect(r.body.deployments).toEqual([{ id: auto.id, operationId: expect.stringMatching(/^op-/), skipped: null }]);
    const op = await waitForOperation(acme, r.body.deployments[0].operationId);
    expect(op).toMatchObject({
      status: 'succeeded',
      trigger: 'webhook',
      actor: 'webhook:delivery-42',
      toVersion: '2.0.0',
      kind: 'upgrade',
    });
    expect((await acme('GET', `/api/deployments/${auto.id}`)).body.servingVersion).toBe('2.0.0');
    const manualOps = (await acme('GET', `/api/deployments/${manual.id}/operations`)).body.operations;
    expect(manualOps.map((o: any) => o.kind)).toEqual(['deploy']);
    expect((await acme('GET', `/api/deployments/${manual.id}`)).body).toMatchObject({ servingVersion: '1.0.0', autoDeploy: false });
    await settle(s, acme, op.id);
    // The secret stays in the API: the upgrade's workflow history never holds it.
    const history = historyText(await s.temporal.client.workflow.getHandle(op.workflowId, op.runId).fetchHistory());
    expect(history).toContain(op.id);
    expect(history).not.toContain(secret);
  });

  it("refuses a replayed delivery id (ours or GitHub's header) with 409 and starts nothing", async () => {
    const ops = await countRows(s, 'operations');
    const again = await push(s, secret, { ...v2(), version: '2.0.1' }, 'delivery-42');
    expect(again).toMatchObject({ status: 409, body: { code: 'delivery_replayed' } });
    const gh = await push(s, secret, { ...v2(), version: '2.0.1' }, '', { 'x-github-delivery': 'delivery-42' });
    expect(gh.status).toBe(409);
    expect(await releases()).toEqual(['2.0.0', '1.0.0']);
    expect(await countRows(s, 'operations')).toBe(ops);
  });

  it('rotating the secret makes the old one a 401 at once', async () => {
    const rotated = (await admin('POST', '/api/apps/hello/webhook-secret', {})).body.secret;
    expect(rotated).not.toBe(secret);
    expect((await push(s, secret, { ...v2(), version: '3.0.0' }, 'after-rotate-1')).status).toBe(401);
    const ok = await push(s, rotated, { ...v2(), version: '3.0.0' }, 'after-rotate-2');
    expect(ok.status).toBe(202);
    await settle(s, acme, ok.body.deployments[0].operationId);
  });
});
