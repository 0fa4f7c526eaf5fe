import { apiClient, eventually } from '../helpers/apiClient';
import { screenshots, signIn, waitForText, withBrowser } from '../helpers/browser';
import { deployHello, helloRelease, type Api } from '../helpers/hello';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { withStack } from '../helpers/withStack';

/** An app name is free text an admin typed; the dashboard must show it, not run it. */
const XSS_NAME = `Hello <img src=x onerror="window.__pwned=1">`;

describe('dashboard: an admin', () => {
  let s: SlipwayStack;
  let admin: Api;
  const fleet: string[] = [];
  withStack(async (stack, a) => {
    s = stack;
    admin = a;
    await admin('POST', '/api/apps', { slug: 'hello', name: XSS_NAME });
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1))).status).toBe(201);
    for (const tenantId of ['t1', 't2', 't3']) {
      fleet.push((await deployHello(admin, { version: '1.0.0', tenantId, env: { GREETING: `Hi ${tenantId}` } })).id);
    }
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(2))).status).toBe(201);
  });
  const b = withBrowser();

  test('sees apps and releases; a new token is shown once and can be revoked', async () => {
    const page = b.page();
    await signIn(page, s.apiUrl, s.adminToken);
    // Every tenant's deployments, with the tenant column.
    for (const id of fleet) await page.locator(`#deployments tr[data-id="${id}"]`).waitFor();
    expect(await page.locator('#deployments thead').textContent()).toContain('Tenant');

    await page.getByRole('link', { name: 'Apps & tokens' }).click();
    await waitForText(page, '#apps tr[data-app="hello"]', '2.0.0');
    expect(await page.locator('#apps tr[data-app="hello"]').textContent()).toContain(XSS_NAME);
    expect(await page.locator('#apps img').count()).toBe(0);

    await page.getByLabel('Name').fill('ci-bot');
    await page.getByRole('textbox', { name: 'Tenant' }).fill('t1');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.locator('#new-token').waitFor();
    const secret = (await page.locator('#new-token').textContent()) ?? '';
    expect(secret).toMatch(/^slw_tnt_/);
    expect((await apiClient(s.apiUrl, secret)('GET', '/api/deployments')).status).toBe(200);
    const row = page.locator('#tokens tr', { hasText: 'ci-bot' });
    await screenshots(page, 'admin-apps-tokens');
    // The list never shows a secret, and a reload forgets the one just shown.
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await waitForText(page, '#token-flash', 'revoked');
    expect((await apiClient(s.apiUrl, secret)('GET', '/api/deployments')).status).toBe(401);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  test('previews the waves of a fleet rollout, starts it and pauses it', async () => {
    const page = b.page();
    await signIn(page, s.apiUrl, s.adminToken, '#/rollouts');
    await page.locator('#rollout-form').waitFor();
    await page.getByLabel('Waves').fill('1,100%');
    // A long bake after wave 1 keeps the rollout steerable while the test pauses it.
    await page.getByLabel('Bake (s)').fill('60');
    await page.getByRole('button', { name: 'Preview waves' }).click();
    await waitForText(page, '#dry-run', '3 deployments of hello to 2.0.0');
    expect(await page.locator('#dry-run li').allTextContents()).toEqual([
      expect.stringContaining('Wave 1: 1 deployment'),
      expect.stringContaining('Wave 2: 2 deployments'),
    ]);
    expect((await admin('GET', '/api/admin/mass-upgrades')).body.massUpgrades).toEqual([]);

    await page.getByRole('button', { name: 'Start rollout' }).click();
    await waitForText(page, '#rollout-flash', 'started');
    await page.locator('#rollout-detail').waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    await waitForText(page, '#rollout-detail [data-status]', 'paused', 60_000);
    await waitForText(page, '#waves tr[data-wave="1"]', /succeeded|running|pending/);
    await screenshots(page, 'admin-rollouts');
    const [m] = (await admin('GET', '/api/admin/mass-upgrades')).body.massUpgrades;
    expect(m.status).toBe('paused');

    // The paused rollout does not move on: wave 2 waits until resumed.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await eventually('the rollout to be cancelled', async () => {
      const r = await admin('GET', `/api/admin/mass-upgrades/${m.id}`);
      return r.body.status === 'cancelled' ? r.body : undefined;
    });
    await waitForText(page, '#rollout-detail [data-status]', 'cancelled');
  });
});
