import { lookup } from 'node:dns/promises';
import os from 'node:os';
import { tenantMayReach } from '../../domain/notifications/addressPolicy';
import { apiClient, eventually } from '../helpers/apiClient';
import { deployHello, helloRelease, type Api } from '../helpers/hello';
import { receiver } from '../helpers/webhookReceiver';
import { withStack } from '../helpers/withStack';

/**
 * A tenant's webhook must not turn the worker into a way into the platform's own network
 * (SSRF): with no ranges opened, loopback and private addresses are refused at subscription
 * time when the URL names them, and at delivery time when a name resolves to them.
 */
describe('Tenant webhooks reach public addresses only', () => {
  let admin: Api;
  let acme: Api;
  let forTenant: Awaited<ReturnType<typeof receiver>>;
  let forAdmin: Awaited<ReturnType<typeof receiver>>;

  withStack(async (stack, adm) => {
    admin = adm;
    acme = apiClient(stack.apiUrl, await stack.tenantToken('acme'));
    // This machine's own name: it resolves to a local address, the way an internal name would.
    forTenant = await receiver(undefined, os.hostname());
    forAdmin = await receiver();
    expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1))).status).toBe(201);
  });
  afterAll(async () => {
    await Promise.all([forTenant, forAdmin].filter(Boolean).map((r) => r.close()));
  });

  it.each([
    'http://127.0.0.1:9/hook',
    'http://[::1]:9/hook',
    'http://10.0.0.5/hook',
    'http://169.254.169.254/latest',
    'http://localhost:9/',
  ])('refuses a tenant subscription to %s with a 400 naming body.url', async (url) => {
    const r = await acme('POST', '/api/subscriptions', { url, events: ['operation.started'] });
    expect(r.status).toBe(400);
    expect(r.body.fields[0].field).toBe('body.url');
    expect(r.body.fields[0].message).toMatch(/public addresses only/);
  });

  it("refuses to deliver to a name that resolves to a local address, while an admin's loopback subscription is delivered", async () => {
    const resolved = await lookup(os.hostname());
    expect(tenantMayReach(resolved.address, []).ok).toBe(false);
    const tenantSub = await acme('POST', '/api/subscriptions', { url: forTenant.url, events: ['operation.started'] });
    expect(tenantSub.status).toBe(201);
    const adminSub = await admin('POST', '/api/subscriptions', { url: forAdmin.url, events: ['operation.started'] });
    expect(adminSub.status).toBe(201);

    await deployHello(acme, { name: 'main', version: '1.0.0', env: { GREETING: 'hi' } });

    await eventually('the admin receiver to hear the deploy', async () => (forAdmin.got.length > 0 ? true : undefined));
    const attempts = await eventually('the refused delivery to be logged', async () => {
      const log = (await acme('GET', `/api/subscriptions/${tenantSub.body.id}/deliveries`)).body;
      return log[0]?.attempts.length > 0 ? log[0].attempts : undefined;
    });
    expect(attempts[0].statusCode).toBeNull();
    expect(attempts[0].error).toContain(`AddressRefused: ${os.hostname()}: ${resolved.address}`);
    expect(forTenant.requests()).toBe(0);
  });
});
