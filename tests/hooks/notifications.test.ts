import { signatureMatches } from '../../domain/signature';
import { apiClient, eventually } from '../helpers/apiClient';
import { deployHello, helloRelease, type Api } from '../helpers/hello';
import { withStack } from '../helpers/withStack';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { settle } from '../api/support';
import { receiver } from '../helpers/webhookReceiver';

describe('Notifications: signed, durable event webhooks per tenant', () => {
  let s: SlipwayStack;
  let admin: Api;
  let acme: Api;
  let globex: Api;
  let a: Awaited<ReturnType<typeof receiver>>;
  let b: Awaited<ReturnType<typeof receiver>>;
  let flaky: Awaited<ReturnType<typeof receiver>>;
  let subA: { id: string; secret: string };
  let subFlaky: { id: string; secret: string };
  let deployment: { id: string };

  withStack(
    async (stack, adm) => {
      s = stack;
      admin = adm;
      acme = apiClient(s.apiUrl, await s.tenantToken('acme'));
      globex = apiClient(s.apiUrl, await s.tenantToken('globex'));
      a = await receiver();
      b = await receiver();
      // Down for its first two requests, like a receiver mid-restart.
      flaky = await receiver((n) => n <= 2);
      expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
      expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1))).status).toBe(201);
      expect((await admin('POST', '/api/apps/hello/releases', helloRelease(2))).status).toBe(201);
    },
    // The receivers listen on loopback, which tenants' webhooks may reach only when opened.
    { notificationRetry: { initialDelayMs: 300, maxDelayMs: 2000, maxAttempts: 6 }, notificationAllowedCidrs: '127.0.0.0/8' },
  );
  afterAll(async () => {
    await Promise.all([a, b, flaky].filter(Boolean).map((r) => r.close()));
  });

  it('creates subscriptions with the secret shown once; lists them without it; refuses bad input with 400', async () => {
    const r = await acme('POST', '/api/subscriptions', {
      url: a.url,
      events: ['operation.started', 'operation.phase', 'operation.succeeded', 'operation.failed'],
    });
    expect(r.status).toBe(201);
    subA = r.body;
    expect(subA.secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const all = ['operation.started', 'operation.phase', 'operation.succeeded', 'operation.failed', 'operation.awaiting_promotion'];
    expect((await globex('POST', '/api/subscriptions', { url: b.url, events: all })).status).toBe(201);
    subFlaky = (await acme('POST', '/api/subscriptions', { url: flaky.url, events: ['operation.succeeded'] })).body;
    const list = await acme('GET', '/api/subscriptions');
    expect(list.body.map((x: any) => x.id).sort()).toEqual([subA.id, subFlaky.id].sort());
    expect(JSON.stringify(list.body)).not.toContain(subA.secret);
    const mass = await acme('POST', '/api/subscriptions', { url: a.url, events: ['mass_upgrade.completed'] });
    expect([mass.status, mass.body.fields[0].field]).toEqual([400, 'body.events']);
    const badUrl = await acme('POST', '/api/subscriptions', { url: 'ftp://x', events: ['operation.started'] });
    expect([badUrl.status, badUrl.body.fields[0].field]).toEqual([400, 'body.url']);
    const badEvent = await acme('POST', '/api/subscriptions', { url: a.url, events: ['operation.exploded'] });
    expect(badEvent.status).toBe(400);
  });

  it("delivers an operation's started, phase and succeeded events, each signed and with an id", async () => {
    deployment = await deployHello(acme, {
      name: 'main',
      version: '1.0.0',
      env: { GREETING: 'hi', TOKEN: 'tok-very-secret' },
      secretEnv: ['TOKEN'],
    });
    const deployOp = (await acme('GET', `/api/deployments/${deployment.id}/operations`)).body.operations[0];
    await settle(s, acme, deployOp.id);
    const got = await eventually('the succeeded event', async () =>
      a.got.some((g) => g.body.type === 'operation.succeeded') ? a.got : undefined,
    );
    const types = got.map((g) => g.body.type);
    expect(types[0]).toBe('operation.started');
    expect(types).toContain('operation.phase');
    expect(got.filter((g) => g.body.type === 'operation.phase').map((g) => g.body.data.operation.phase)).toEqual(
      expect.arrayContaining(['resolveEnv', 'startRevision', 'awaitReady', 'switchTraffic']),
    );
    for (const g of got) {
      expect(signatureMatches(subA.secret, g.raw, g.headers['x-slipway-signature-256'] as string)).toBe(true);
      expect(g.headers['x-slipway-delivery']).toBe(g.body.deliveryId);
      expect(g.headers['x-slipway-event']).toBe(g.body.type);
      expect(g.body).toMatchObject({ tenantId: 'acme', data: { deployment: { id: deployment.id }, operation: { id: deployOp.id } } });
      expect(g.raw.toString()).not.toContain('tok-very-secret');
    }
    expect(new Set(got.map((g) => g.body.deliveryId)).size).toBe(got.length);
  });

  it('retries a failing receiver with backoff; the operation succeeds regardless and the log shows every attempt', async () => {
    const r = await acme('POST', `/api/deployments/${deployment.id}/upgrade`, {});
    expect(r.status).toBe(202);
    const op = await settle(s, acme, r.body.operation.id);
    expect(op.status).toBe('succeeded');
    // Both deliveries through: the upgrade's may get in while the deploy's waits out its backoff.
    const log = await eventually('the flaky receiver to get the deploy and the upgrade', async () => {
      const l = (await acme('GET', `/api/subscriptions/${subFlaky.id}/deliveries`)).body;
      const upgrade = l.find(
        (d: any) => d.status === 'delivered' && flaky.got.some((g) => g.body.deliveryId === d.id && g.body.data.operation.id === op.id),
      );
      return upgrade && l.length === 2 && l.every((d: any) => d.status === 'delivered') ? l : undefined;
    });
    // The deploy's succeeded event met the receiver down twice, then got through.
    const first = log[log.length - 1];
    expect(first.attempts.map((x: any) => x.statusCode)).toEqual([500, 500, 204]);
    expect(first.attempts[0].error).toBe('receiver answered 500');
    const at = first.attempts.map((x: any) => Date.parse(x.at));
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(250);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(550);
    expect(flaky.requests()).toBe(4);
  });

  it("keeps tenants apart: globex's subscription got nothing of acme's, and cannot read acme's log", async () => {
    expect(b.requests()).toBe(0);
    expect((await globex('GET', `/api/subscriptions/${subA.id}/deliveries`)).status).toBe(404);
    expect((await globex('DELETE', `/api/subscriptions/${subA.id}`)).status).toBe(404);
    expect((await globex('GET', '/api/subscriptions')).body.map((x: any) => x.url)).toEqual([b.url]);
  });

  it('an admin subscription hears every tenant; a deleted subscription hears nothing more', async () => {
    const adminSub = (await admin('POST', '/api/subscriptions', { url: b.url, events: ['operation.started'] })).body;
    expect(adminSub.tenantId).toBeNull();
    expect((await acme('DELETE', `/api/subscriptions/${subA.id}`)).status).toBe(200);
    const before = a.requests();
    const r = await acme('POST', `/api/deployments/${deployment.id}/restart`, {});
    await settle(s, acme, r.body.operation.id);
    await eventually('the admin receiver to hear acme', async () => (b.got.some((g) => g.body.tenantId === 'acme') ? true : undefined));
    expect(a.requests()).toBe(before);
  });

  it("sends mass-upgrade events to admin subscriptions, and each tenant still hears its own deployment's operation", async () => {
    const c = await receiver();
    try {
      const sub = (await admin('POST', '/api/subscriptions', { url: c.url, events: ['mass_upgrade.started', 'mass_upgrade.completed'] }))
        .body;
      const acmeOps = await receiver();
      try {
        await acme('POST', '/api/subscriptions', { url: acmeOps.url, events: ['operation.succeeded'] });
        expect((await admin('POST', '/api/apps/hello/releases', helloRelease(2, { version: '3.0.0' }))).status).toBe(201);
        const started = await admin('POST', '/api/admin/mass-upgrades', { app: 'hello', targetVersion: '3.0.0', waves: ['100%'] });
        expect(started.status).toBe(202);
        const id = started.body.id;
        const got = await eventually('started and completed', async () => (c.got.length >= 2 ? c.got : undefined), 120_000);
        expect(got.map((g) => [g.body.type, g.body.data.massUpgrade.id, g.body.tenantId])).toEqual([
          ['mass_upgrade.started', id, null],
          ['mass_upgrade.completed', id, null],
        ]);
        for (const g of got) expect(signatureMatches(sub.secret, g.raw, g.headers['x-slipway-signature-256'] as string)).toBe(true);
        const upgraded = await eventually('acme to hear its upgrade', async () =>
          acmeOps.got.find((g) => g.body.data.operation.trigger === 'mass_upgrade'),
        );
        expect(upgraded.body.data.deployment.id).toBe(deployment.id);
      } finally {
        await acmeOps.close();
      }
    } finally {
      await c.close();
    }
  });

  it('tells a subscriber when an upgrade awaits promotion, once', async () => {
    const c = await receiver();
    try {
      const sub = (await acme('POST', '/api/subscriptions', { url: c.url, events: ['operation.awaiting_promotion'] })).body;
      const d = await deployHello(acme, { name: 'preview-note', version: '1.0.0', env: { GREETING: 'hi' } });
      const r = await acme('POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0', promotion: 'manual' });
      expect(r.status).toBe(202);
      const got = await eventually('the awaiting_promotion event', async () =>
        c.got.find((g) => g.body.data.operation.id === r.body.operation.id),
      );
      expect(got.body).toMatchObject({ type: 'operation.awaiting_promotion', tenantId: 'acme', data: { deployment: { id: d.id } } });
      expect(signatureMatches(sub.secret, got.raw, got.headers['x-slipway-signature-256'] as string)).toBe(true);
      expect((await acme('POST', `/api/deployments/${d.id}/abort`, {})).status).toBe(202);
      expect((await settle(s, acme, r.body.operation.id)).status).toBe('cancelled');
      expect(c.got.map((g) => g.body.type)).toEqual(['operation.awaiting_promotion']);
    } finally {
      await c.close();
    }
  });
});
