import { insertDeployment } from '../../db/queries/deployments';
import { upsertRevision } from '../../db/queries/revisions';
import { DistributionRegistry } from '../../images/distributionRegistry';
import { apiClient } from '../helpers/apiClient';
import { startTestRegistry, type TestRegistry } from '../helpers/ociRegistry';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';

/** POST /api/admin/gc against a real registry: only images no kept release uses go. */
describe('image retention', () => {
  let registry: TestRegistry;
  let client: DistributionRegistry;
  let s: SlipwayStack;
  let admin: ReturnType<typeof apiClient>;
  const pinned: Record<string, string> = {};

  beforeAll(async () => {
    registry = await startTestRegistry();
    client = new DistributionRegistry({ url: registry.url });
    s = await startSlipwayStack({ images: client });
    admin = apiClient(s.apiUrl, s.adminToken);
    await admin('POST', '/api/apps', { slug: 'shop' });
    for (const v of ['1', '2', '3', '4', '5']) {
      await registry.push('shop/web', v);
      const r = await admin('POST', '/api/apps/shop/releases', {
        version: `${v}.0.0`,
        manifest: { services: [{ name: 'web', image: `shop/web:${v}`, port: 8080, readiness: { path: '/healthz' } }] },
      });
      expect(r.status).toBe(201);
      pinned[v] = r.body.manifest.services[0].image;
    }
    const app = await s.db.selectFrom('apps').select('id').where('slug', '=', 'shop').executeTakeFirstOrThrow();
    // Serving 2.0.0 with 1.0.0 as its rollback target, and 3.0.0 still warm from before.
    const d = await insertDeployment(s.db, {
      id: 'd-gc1',
      tenant_id: 'acme',
      app_id: app.id,
      name: 'gc',
      hostname: 'd-gc1.localhost',
      release_version: '2.0.0',
      serving_version: '2.0.0',
      previous_version: '1.0.0',
      status: 'running',
      strategy: 'blue_green',
      active_slot: 'green',
      serving_config_revision: 1,
      last_error: null,
    });
    await upsertRevision(s.db, {
      key: 'd-gc1-blue-3.0.0',
      deployment_id: d.id,
      operation_id: 'op-gc',
      release_version: '3.0.0',
      config_revision: 1,
      slot: 'blue',
      url: null,
      status: 'warm',
    });
  });
  afterAll(async () => {
    await s?.close();
    await registry?.close();
  });

  it('shows on a dry run what it would remove and removes nothing', async () => {
    const r = await admin('POST', '/api/admin/gc', { dryRun: true, keepNewest: 1 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ dryRun: true, removedImages: [pinned['4']] });
    expect(await client.exists(pinned['4'])).toBe(true);
  });

  it('removes only the image nothing keeps: never served, previous, warm or newest', async () => {
    const r = await admin('POST', '/api/admin/gc', { keepNewest: 1 });
    expect(r.status).toBe(200);
    expect(r.body.removedImages).toEqual([pinned['4']]);
    expect(r.body.kept.map((k: any) => k.version).sort()).toEqual(['1.0.0', '2.0.0', '3.0.0', '5.0.0']);
    expect(await client.exists(pinned['4'])).toBe(false);
    for (const v of ['1', '2', '3', '5']) expect(await client.exists(pinned[v])).toBe(true);
  });

  it('refuses bad options naming the field, and tenants', async () => {
    const bad = await admin('POST', '/api/admin/gc', { keepNewest: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: any) => f.field)).toEqual(['body.keepNewest']);
    const tenant = apiClient(s.apiUrl, await s.tenantToken('acme'));
    expect((await tenant('POST', '/api/admin/gc', {})).status).toBe(403);
  });
});
