import { eventually } from '../helpers/apiClient';
import { screenshots, signIn, waitForText, withBrowser } from '../helpers/browser';
import { answer, deployHello, helloRelease, type Api } from '../helpers/hello';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { apiClient } from '../helpers/apiClient';
import { withStack } from '../helpers/withStack';

/** Markup a tenant could try to smuggle into someone's page through a value the dashboard shows. */
const XSS = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>`;

describe('dashboard: a tenant', () => {
  let s: SlipwayStack;
  let admin: Api;
  let tenantToken: string;
  let mine: { id: string; hostname: string };
  let theirs: { id: string; hostname: string };
  withStack(async (stack, a) => {
    s = stack;
    admin = a;
    await admin('POST', '/api/apps', { slug: 'hello', name: 'Hello' });
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1))).status).toBe(201);
    tenantToken = await s.tenantToken('acme');
    mine = await deployHello(apiClient(s.apiUrl, tenantToken), { version: '1.0.0', name: 'shop', env: { GREETING: XSS } });
    theirs = await deployHello(admin, { version: '1.0.0', tenantId: 'globex', name: 'globex-secret-shop', env: { GREETING: 'Hi' } });
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(2))).status).toBe(201);
  });
  const b = withBrowser();

  /** Waits until no operation of the tenant's deployment is in flight; then the version it serves and the other one. */
  async function otherVersionOnceIdle(): Promise<{ from: string; to: string }> {
    const tenant = apiClient(s.apiUrl, tenantToken);
    await eventually('no operation in flight', async () => {
      const ops = (await tenant('GET', `/api/deployments/${mine.id}/operations?limit=5`)).body.operations;
      return ops.every((o: { status: string }) => !['pending', 'running'].includes(o.status)) ? true : undefined;
    });
    const from = (await tenant('GET', `/api/deployments/${mine.id}`)).body.servingVersion;
    return { from, to: from === '2.0.0' ? '1.0.0' : '2.0.0' };
  }

  test('sees its deployment with "update available", and not another tenant’s', async () => {
    const page = b.page();
    await signIn(page, s.apiUrl, tenantToken);
    const row = page.locator(`#deployments tr[data-id="${mine.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('update available: 2.0.0');
    expect(await row.textContent()).toContain('1.0.0');
    await waitForText(page, `#deployments tr[data-id="${mine.id}"]`, /upgrade|deploy/);
    expect(await page.locator('#deployments').textContent()).not.toContain('globex');
    expect(await page.locator(`tr[data-id="${theirs.id}"]`).count()).toBe(0);
    await screenshots(page, 'tenant-deployments');

    // Its URL says "not found", exactly what the API answers for a missing one.
    await page.goto(`${s.apiUrl}/dashboard/#/deployments/${theirs.id}`);
    await waitForText(page, '.error', '404 not_found');
    expect(await page.locator('main').textContent()).not.toContain('globex-secret-shop');
    expect((await apiClient(s.apiUrl, tenantToken)('GET', `/api/deployments/${theirs.id}`)).status).toBe(404);
    expect((await apiClient(s.apiUrl, tenantToken)('GET', `/api/deployments/${theirs.id}/traffic`)).status).toBe(404);
  });

  test('clicks Update, watches the phases stream, the router answers the new version; then rolls back', async () => {
    const page = b.page();
    await signIn(page, s.apiUrl, tenantToken, `#/deployments/${mine.id}`);
    await page.locator('#update-banner').waitFor();
    await page.getByRole('button', { name: 'Update to 2.0.0' }).click();
    await waitForText(page, '#flash', /started upgrade op-/);
    const upgradeId = /op-[a-z0-9]+/.exec((await page.locator('#flash').textContent()) ?? '')![0];
    await page.locator(`#operation-detail [data-op-id="${upgradeId}"]`).waitFor();

    // Phases appear while the operation runs, from the log stream, before it has finished.
    await page.locator('#phases li[data-phase="startRevision"]').waitFor({ timeout: 60_000 });
    await waitForText(page, '#logs', 'startRevision');
    await page.locator(`#operation-detail [data-op-id="${upgradeId}"] [data-status="succeeded"]`).waitFor({ timeout: 90_000 });
    expect(await page.locator('#phases li').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('switchTraffic'), expect.stringContaining('finalize')]),
    );
    // The header follows the deployment-change stream, no reload.
    await waitForText(page, '#serving-version', '2.0.0');
    expect((await answer(s, mine.hostname)).json.version).toBe('2.0.0');

    // Router stats, live: requests through the router show up on the serving revision.
    for (let i = 0; i < 5; i++) await answer(s, mine.hostname);
    await page.locator('#router-stats tr[data-version="2.0.0"]').waitFor();
    await eventually('router stats to count the requests', async () => {
      const text = (await page.locator('#router-stats tr[data-version="2.0.0"]').textContent()) ?? '';
      return /\/ [1-9]/.test(text) ? text : undefined;
    });
    await screenshots(page, 'tenant-deployment');

    await page.getByRole('button', { name: 'Rollback to 1.0.0' }).click();
    await waitForText(page, '#operation-detail h3', 'rollback');
    await waitForText(page, '#operation-detail [data-status]', 'succeeded', 90_000);
    await waitForText(page, '#serving-version', '1.0.0');
    expect((await answer(s, mine.hostname)).json.version).toBe('1.0.0');
    await waitForText(page, '#operations', 'rollback');
    expect(await page.locator('#operations tbody tr').first().textContent()).toContain('dashboard');
  });

  test('the list changes live, a refused action shows the API’s 409, and nothing the tenant wrote runs as markup', async () => {
    const page = b.page();
    await signIn(page, s.apiUrl, tenantToken);
    const serving = page.locator(`#deployments tr[data-id="${mine.id}"] td:nth-child(4)`);
    await waitForText(page, `#deployments tr[data-id="${mine.id}"] td:nth-child(4)`, '1.0.0');
    const tenant = apiClient(s.apiUrl, tenantToken);
    const started = await tenant('POST', `/api/deployments/${mine.id}/upgrade`, { version: '2.0.0' });
    expect(started.status).toBe(202);
    await waitForText(page, `#deployments tr[data-id="${mine.id}"]`, /upgrading|2\.0\.0/);
    await waitForText(page, `#deployments tr[data-id="${mine.id}"] td:nth-child(4)`, '2.0.0', 90_000);
    expect(await serving.textContent()).toBe('2.0.0');

    // A second operation while one runs: the 409 as the API sent it, explained.
    await page.goto(`${s.apiUrl}/dashboard/#/deployments/${mine.id}`);
    await page.locator('#actions-panel button[data-action="restart"]').waitFor();
    const slow = await tenant('POST', `/api/deployments/${mine.id}/restart`, {});
    expect(slow.status).toBe(202);
    await page.locator('#actions-panel button[data-action="restart"]').click();
    await waitForText(page, '#flash .error', '409 operation_in_flight');
    expect(await page.locator('#flash').textContent()).toContain('Only one operation runs on a deployment at a time');
    expect(await page.locator('#flash').textContent()).not.toMatch(/at .*\.ts:\d+/);

    // The env editor shows the value as text, and a secret not at all.
    await waitForText(page, '#env', 'GREETING');
    expect(await page.locator('#env tr[data-key="GREETING"] code').last().textContent()).toBe(XSS);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    await waitForText(page, '#operation-detail [data-status]', 'succeeded', 90_000);
    await page.getByLabel('Name').fill('API_KEY');
    await page.getByLabel('Value').fill('sk-live-do-not-show');
    await page.getByLabel('secret').check();
    await page.getByRole('button', { name: 'Set', exact: true }).click();
    await waitForText(page, '#env tr[data-key="API_KEY"]', 'secret');
    expect(await page.content()).not.toContain('sk-live-do-not-show');
    await waitForText(page, '#flash', 'started restart');
    await screenshots(page, 'tenant-env');
  });
  test('a canary in flight shows its weight and the canary vs stable 5xx, and Promote finishes it', async () => {
    const page = b.page();
    // The env change of the test before restarts the deployment; one operation at a time.
    const { to } = await otherVersionOnceIdle();
    await signIn(page, s.apiUrl, tenantToken, `#/deployments/${mine.id}`);
    await page.locator('#upgrade-form').waitFor();
    await page.locator('#upgrade-form select[name="version"]').selectOption(to);
    await page.locator('#upgrade-form select[name="strategy"]').selectOption('canary');
    await page.getByRole('button', { name: 'Upgrade', exact: true }).click();
    // Default steps 10 → 25 → 50 → 100 % with 30 s pauses: the first step holds long enough to look at.
    await waitForText(page, '#canary-weight', /^(10|25) %$/, 60_000);
    for (let i = 0; i < 10; i++) await answer(s, mine.hostname);
    await waitForText(page, '#canary', /canary\s+(–|[\d.]+ %)\s+\(\d+\/\d+\),\s+stable\s+(–|[\d.]+ %)\s+\(\d+\/[1-9]\d*\)/);
    await waitForText(page, '#router-stats', '10 %');
    await screenshots(page, 'tenant-canary');
    await page.getByRole('button', { name: 'Promote to 100 %' }).click();
    await waitForText(page, '#flash', 'Canary promote: signal sent to upgrade');
    await waitForText(page, '#operation-detail [data-status]', 'succeeded', 90_000);
    await waitForText(page, '#serving-version', to);
    expect((await answer(s, mine.hostname)).json.version).toBe(to);
    // No canary in flight any more: the card is gone (an empty element is invisible, so no locator wait).
    await eventually('the canary card to go', async () =>
      (await page.locator('#canary-panel').textContent())?.trim() === '' ? true : undefined,
    );
  });

  test('a previewed upgrade shows where to try it, and Promote preview switches to it', async () => {
    const page = b.page();
    const tenant = apiClient(s.apiUrl, tenantToken);
    const { from, to } = await otherVersionOnceIdle();
    expect((await tenant('POST', `/api/deployments/${mine.id}/upgrade`, { version: to, promotion: 'manual' })).status).toBe(202);
    const preview = await eventually('the preview to open', async () => {
      const d = (await tenant('GET', `/api/deployments/${mine.id}`)).body;
      return d.status === 'awaiting_promotion' ? d.preview : undefined;
    });
    await signIn(page, s.apiUrl, tenantToken, `#/deployments/${mine.id}`);
    await waitForText(page, '#preview-url', preview.url);
    await waitForText(page, '#preview-banner', `still serves ${from}`);
    await screenshots(page, 'tenant-preview');
    expect((await answer(s, preview.hostname)).json.version).toBe(to);
    await page.getByRole('button', { name: 'Promote preview' }).click();
    await waitForText(page, '#flash', 'Preview promote: signal sent to upgrade');
    await waitForText(page, '#serving-version', to, 90_000);
    expect((await answer(s, mine.hostname)).json.version).toBe(to);
    expect(await page.locator('#preview-banner').count()).toBe(0);
  });
});
