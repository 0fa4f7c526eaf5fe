import { registeredRoutes, openApiPath } from '../../api/routeRegistry';
import { DeploymentView, OperationView, TokenCreated, TokenView } from '../../api/responseSchemas';
import { apiClient } from '../helpers/apiClient';
import { deployHello, helloRelease, type Api } from '../helpers/hello';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { withStack } from '../helpers/withStack';

describe('GET /docs/json: OpenAPI 3.1 for every route; GET /docs: Swagger UI', () => {
  let s: SlipwayStack;
  let admin: Api;

  withStack((stack, a) => {
    s = stack;
    admin = a;
  });

  it('is public and documents exactly the routes the app registered', async () => {
    const r = await apiClient(s.apiUrl)('GET', '/docs/json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(r.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(r.body.components.schemas.Error.required).toEqual(['code', 'message']);

    const documented = Object.entries(r.body.paths as Record<string, Record<string, unknown>>)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    const routes = registeredRoutes(s.api)
      .map((x) => `${x.method} ${openApiPath(x.path)}`)
      .sort();
    expect(routes.length).toBeGreaterThan(20);
    expect(documented).toEqual(routes);
  });

  it('serves Swagger UI at /docs with its assets from Slipway itself (no CDN)', async () => {
    const page = await fetch(new URL('/docs', s.apiUrl));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    const scripts = [...html.matchAll(/src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).not.toMatch(/^https?:/);
      expect((await fetch(new URL(src, new URL('/docs/', s.apiUrl)))).status).toBe(200);
    }
  });

  it('documents what the API really answers: 409 with massUpgradeId, 413, 403, text/event-stream', async () => {
    const doc = (await apiClient(s.apiUrl)('GET', '/docs/json')).body;
    expect(doc.components.schemas.Error.properties.massUpgradeId).toBeDefined();
    expect(doc.paths['/api/admin/mass-upgrades'].post.responses['409']).toBeDefined();
    expect(doc.paths['/api/deployments/{id}/env'].put.responses['413']).toBeDefined();
    expect(doc.paths['/api/deployments'].post.responses['403']).toBeDefined();
    expect(Object.keys(doc.paths['/api/operations/{id}/logs'].get.responses['200'].content)).toEqual([
      'application/json',
      'text/event-stream',
    ]);
  });

  it('documents params, bodies, idempotency and errors of a lifecycle route', async () => {
    const doc = (await apiClient(s.apiUrl)('GET', '/docs/json')).body;
    const upgrade = doc.paths['/api/deployments/{id}/upgrade'].post;
    expect(upgrade.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'path:id',
      'header:Idempotency-Key',
      'header:X-Slipway-Trigger',
    ]);
    expect(upgrade.requestBody.content['application/json'].schema.properties.strategy.enum).toEqual([
      'recreate',
      'rolling',
      'blue_green',
      'canary',
    ]);
    expect(Object.keys(upgrade.responses).sort()).toEqual(['202', '400', '401', '404', '409', '413', '422', '429']);
    expect(upgrade.responses['409'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.paths['/api/admin/tokens'].post.responses['403']).toBeDefined();
  });

  it('documents paging and filters on the lists', async () => {
    const doc = (await apiClient(s.apiUrl)('GET', '/docs/json')).body;
    const names = (path: string) => doc.paths[path].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
    expect(names('/api/deployments')).toEqual(
      expect.arrayContaining(['query:limit', 'query:cursor', 'query:tenant', 'query:updateAvailable', 'query:createdAfter']),
    );
    expect(names('/api/operations')).toEqual(expect.arrayContaining(['query:status', 'query:since', 'query:limit', 'query:cursor']));
    const limit = doc.paths['/api/deployments'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit.schema).toMatchObject({ maximum: 500, default: 50 });
    for (const path of [
      '/api/apps',
      '/api/apps/{slug}/releases',
      '/api/deployments/{id}/operations',
      '/api/admin/tokens',
      '/api/admin/mass-upgrades',
      '/api/admin/mass-upgrades/{id}/items',
      '/api/operations/{id}/logs',
    ]) {
      expect(names(path)).toEqual(expect.arrayContaining(['query:limit', 'query:cursor']));
      expect(doc.paths[path].get.responses['200'].content['application/json'].schema.properties.nextCursor).toBeDefined();
    }
  });

  it('describes real answers: they parse with the documented response schemas, no field more or less', async () => {
    await admin('POST', '/api/apps', { slug: 'hello' });
    await admin('POST', '/api/apps/hello/releases', helloRelease(1));
    const d = await deployHello(admin, { tenantId: 'acme', env: { GREETING: 'x' } });
    DeploymentView.strict().parse((await admin('GET', `/api/deployments/${d.id}`)).body);
    const ops = (await admin('GET', `/api/deployments/${d.id}/operations`)).body.operations;
    OperationView.strict().parse(ops[0]);
    const token = await admin('POST', '/api/admin/tokens', { name: 'doc', role: 'tenant', tenantId: 'acme' });
    TokenCreated.strict().parse(token.body);
    for (const t of (await admin('GET', '/api/admin/tokens')).body.tokens) TokenView.strict().parse(t);
  });
});
