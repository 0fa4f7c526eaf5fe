import { sql } from 'kysely';
import { apiClient } from '../helpers/apiClient';
import { seedDeployments, seedOperations } from '../helpers/fleetSeed';
import { deployHello, helloRelease, type Api } from '../helpers/hello';
import { allPages } from '../helpers/pages';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { withStack } from '../helpers/withStack';

/** 1,200 deployments seeded through SQL (two tenants) plus two made through the API. */
describe('lists page through a fleet with keyset cursors', () => {
  let s: SlipwayStack;
  let admin: Api;
  let acme: Api;
  let globex: Api;
  let appId: string;

  withStack(async (stack, a) => {
    s = stack;
    admin = a;
    acme = apiClient(s.apiUrl, await s.tenantToken('acme'));
    globex = apiClient(s.apiUrl, await s.tenantToken('globex'));
    await admin('POST', '/api/apps', { slug: 'hello' });
    await admin('POST', '/api/apps/hello/releases', helloRelease(1));
    await admin('POST', '/api/apps/hello/releases', helloRelease(2));
    appId = (await s.db.selectFrom('apps').select('id').where('slug', '=', 'hello').executeTakeFirstOrThrow()).id;
    await seedDeployments(s.db, { appId, count: 1_200, tenants: ['acme', 'globex'] });
    await seedOperations(s.db, {});
    await deployHello(admin, { tenantId: 'acme', version: '1.0.0', env: { GREETING: 'a' } });
    await deployHello(globex, { version: '1.0.0', env: { GREETING: 'g' } });
  });

  const idsWhere = async (where: (q: any) => any = (q) => q): Promise<string[]> =>
    (await where(s.db.selectFrom('deployments').select('id')).execute()).map((r: { id: string }) => r.id).sort();

  it('walks all 1,202 deployments in pages of 500: each exactly once, newest first, then says it is done', async () => {
    const { rows, pages } = await allPages(admin, '/api/deployments?limit=500', 'deployments');
    expect(pages).toBe(3);
    expect(rows.map((d) => d.id).sort()).toEqual(await idsWhere());
    const order = rows.map((d) => [new Date(d.createdAt).getTime(), d.id] as const);
    for (let i = 1; i < order.length; i++) {
      const [t0, id0] = order[i - 1];
      const [t1, id1] = order[i];
      expect(t1 < t0 || (t1 === t0 && id1 < id0)).toBe(true);
    }
  });

  it('answers 50 by default with a cursor, and nextCursor null on the last page', async () => {
    const first = await admin('GET', '/api/deployments');
    expect(first.status).toBe(200);
    expect(first.body.deployments).toHaveLength(50);
    expect(typeof first.body.nextCursor).toBe('string');
    const last = await admin('GET', '/api/deployments?status=failed&limit=500');
    expect(last.body.deployments.length).toBeGreaterThan(0);
    expect(last.body.nextCursor).toBeNull();
  });

  it('stays stable while rows are inserted between pages: no duplicates, no gaps', async () => {
    const before = await idsWhere();
    let batch = 0;
    const { rows } = await allPages(admin, '/api/deployments?limit=100', 'deployments', {
      // Newer rows (they land before the pages already read) and rows inside the range still to come.
      between: async (page) => {
        if (page % 4 !== 1) return;
        batch++;
        await seedDeployments(s.db, { appId, count: 20, tenants: ['acme'], prefix: `new${batch}`, start: new Date() });
        await seedDeployments(s.db, {
          appId,
          count: 20,
          tenants: ['acme'],
          prefix: `mid${batch}`,
          start: new Date('2026-11-01T00:00:30Z'),
        });
      },
    });
    const ids = rows.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    const seen = new Set(ids);
    expect(before.filter((id) => !seen.has(id))).toEqual([]);
    expect(batch).toBeGreaterThan(1);
    await s.db.deleteFrom('deployments').where('id', 'like', 'd-new%').execute();
    await s.db.deleteFrom('deployments').where('id', 'like', 'd-mid%').execute();
  });

  it.each<[string, string, string]>([
    ['limit 0', '/api/deployments?limit=0', 'query.limit'],
    ['limit above the maximum', '/api/deployments?limit=501', 'query.limit'],
    ['limit that is no number', '/api/deployments?limit=ten', 'query.limit'],
    ['fractional limit', '/api/deployments?limit=1.5', 'query.limit'],
    ['cursor with foreign characters', '/api/deployments?cursor=a%2Bb%3D', 'query.cursor'],
    ['cursor that is no cursor', `/api/deployments?cursor=${Buffer.from('{"x":1}').toString('base64url')}`, 'query.cursor'],
    ['a bad since', '/api/operations?since=yesterday', 'query.since'],
    ['an unknown filter', '/api/deployments?colour=blue', 'query'],
    ['a bad status', '/api/deployments?status=sleeping', 'query.status'],
    ['updateAvailable that is no boolean', '/api/deployments?updateAvailable=yes', 'query.updateAvailable'],
    ['a bad logs limit', '/api/operations/op-seed000001/logs?limit=9999', 'query.limit'],
  ])('refuses %s with 400 naming %s', async (_n, path, field) => {
    const r = await admin('GET', path);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('bad_request');
    expect(r.body.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('refuses a cursor from another list or from other filters', async () => {
    const ops = await admin('GET', '/api/operations?limit=1');
    const onDeployments = await admin('GET', `/api/deployments?cursor=${ops.body.nextCursor}`);
    expect(onDeployments.status).toBe(400);
    expect(onDeployments.body.fields).toEqual([{ field: 'query.cursor', message: expect.stringMatching(/another list/) }]);
    const running = await admin('GET', '/api/deployments?status=running&limit=5');
    const failed = await admin('GET', `/api/deployments?status=failed&cursor=${running.body.nextCursor}`);
    expect(failed.status).toBe(400);
    expect(failed.body.fields[0].message).toMatch(/other filters/);
  });

  describe('filters match the database, for the admin and inside the tenant boundary', () => {
    const filters: [string, string, (q: any) => any][] = [
      ['none', '', (q) => q],
      ['app', 'app=hello', (q) => q],
      ['status', 'status=failed', (q) => q.where('status', '=', 'failed')],
      ['serving version', 'servingVersion=1.0.0', (q) => q.where('serving_version', '=', '1.0.0')],
      ['update available', 'updateAvailable=true', (q) => q.where('release_version', '=', '1.0.0')],
      ['no update available', 'updateAvailable=false', (q) => q.where('release_version', '=', '2.0.0')],
      ['strategy', 'strategy=canary', (q) => q.where('strategy', '=', 'canary')],
      [
        'created range',
        'createdAfter=2026-11-01T00:00:10Z&createdBefore=2026-11-01T00:01:00Z',
        (q) => q.where('created_at', '>', new Date('2026-11-01T00:00:10Z')).where('created_at', '<', new Date('2026-11-01T00:01:00Z')),
      ],
      [
        'updated range',
        'updatedAfter=2026-11-01T02:00:00Z&updatedBefore=2026-11-01T04:00:00Z',
        (q) => q.where('updated_at', '>', new Date('2026-11-01T02:00:00Z')).where('updated_at', '<', new Date('2026-11-01T04:00:00Z')),
      ],
      [
        'status and strategy',
        'status=running&strategy=rolling',
        (q) => q.where('status', '=', 'running').where('strategy', '=', 'rolling'),
      ],
    ];

    it.each(filters)('admin, %s', async (_n, query, where) => {
      const { rows } = await allPages(admin, `/api/deployments?limit=200&${query}`, 'deployments');
      expect(rows.map((d) => d.id).sort()).toEqual(await idsWhere(where));
    });

    it.each(filters)('admin with tenant=acme, %s: only acme', async (_n, query, where) => {
      const { rows } = await allPages(admin, `/api/deployments?limit=300&tenant=acme&${query}`, 'deployments');
      expect(rows.map((d) => d.id).sort()).toEqual(await idsWhere((q) => where(q).where('tenant_id', '=', 'acme')));
    });

    it.each(filters)('tenant globex, %s: only its own rows', async (_n, query, where) => {
      const { rows } = await allPages(globex, `/api/deployments?limit=300&${query}`, 'deployments');
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((d) => d.tenantId === 'globex')).toBe(true);
      expect(rows.map((d) => d.id).sort()).toEqual(await idsWhere((q) => where(q).where('tenant_id', '=', 'globex')));
    });
  });

  it("refuses a tenant naming another tenant (403), and a cursor made from another tenant's page", async () => {
    expect((await globex('GET', '/api/deployments?tenant=acme')).status).toBe(403);
    expect((await globex('GET', '/api/operations?tenant=acme')).status).toBe(403);
    const own = await globex('GET', '/api/deployments?tenant=globex&limit=1');
    expect(own.status).toBe(200);
    expect(own.body.deployments[0].tenantId).toBe('globex');

    const acmePage = await acme('GET', '/api/deployments?limit=10');
    expect(acmePage.body.deployments.every((d: { tenantId: string }) => d.tenantId === 'acme')).toBe(true);
    const replayed = await globex('GET', `/api/deployments?limit=10&cursor=${acmePage.body.nextCursor}`);
    expect(replayed.status).toBe(400);
    expect(replayed.body.fields[0].field).toBe('query.cursor');
    expect(JSON.stringify(replayed.body)).not.toContain('"acme"');
    const adminPage = await admin('GET', '/api/deployments?tenant=acme&limit=10');
    expect((await globex('GET', `/api/deployments?limit=10&cursor=${adminPage.body.nextCursor}`)).status).toBe(400);
    const acmeOps = await acme('GET', '/api/operations?limit=5');
    expect((await globex('GET', `/api/operations?limit=5&cursor=${acmeOps.body.nextCursor}`)).status).toBe(400);
  });

  describe('operations across deployments, for on-call', () => {
    const since = '2026-11-01T00:01:00Z';
    const failedSince = async (tenant?: string) => {
      let q = s.db
        .selectFrom('operations')
        .innerJoin('deployments', 'deployments.id', 'operations.deployment_id')
        .select('operations.id')
        .where('operations.status', '=', 'failed')
        .where('operations.created_at', '>=', new Date(since));
      if (tenant) q = q.where('deployments.tenant_id', '=', tenant);
      return (await q.execute()).map((r) => r.id).sort();
    };

    it('admin: every failed operation since a time, newest first, paged', async () => {
      const { rows, pages } = await allPages(admin, `/api/operations?status=failed&since=${since}&limit=40`, 'operations');
      expect(pages).toBeGreaterThan(1);
      expect(rows.map((o) => o.id).sort()).toEqual(await failedSince());
      expect(rows.every((o) => o.status === 'failed')).toBe(true);
      const times = rows.map((o) => new Date(o.createdAt).getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('a tenant: only the operations of its own deployments', async () => {
      const { rows } = await allPages(globex, `/api/operations?status=failed&since=${since}&limit=40`, 'operations');
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.map((o) => o.id).sort()).toEqual(await failedSince('globex'));
      const all = await allPages(globex, '/api/operations?limit=500', 'operations');
      const own = new Set(await idsWhere((q) => q.where('tenant_id', '=', 'globex')));
      expect(all.rows.every((o) => own.has(o.deploymentId))).toBe(true);
    });
  });

  it("pages a deployment's operations and an operation's log", async () => {
    const id = 'd-seed000002';
    await sql`insert into operations (id, deployment_id, kind, trigger, actor, config_revision, workflow_id, status, created_at)
      select 'op-many' || lpad(i::text, 4, '0'), ${id}, 'restart', 'api', 'seed', 1, 'deployment-' || ${id}, 'succeeded',
             timestamptz '2026-11-02T00:00:00Z' + (i / 3) * interval '1 millisecond'
      from generate_series(1, 120) i`.execute(s.db);
    const ops = await allPages(admin, `/api/deployments/${id}/operations?limit=50`, 'operations');
    expect(ops.pages).toBe(3);
    expect(ops.rows).toHaveLength(121);
    expect(new Set(ops.rows.map((o) => o.id)).size).toBe(121);
    const restarts = await allPages(admin, `/api/deployments/${id}/operations?kind=restart&limit=500`, 'operations');
    expect(restarts.rows).toHaveLength(120);
    expect((await globex('GET', `/api/deployments/${id}/operations`)).status).toBe(404);

    await sql`insert into operation_logs (operation_id, phase, step, level, message)
      select 'op-many0001', 'start', 'step-' || i, 'info', 'line ' || i from generate_series(1, 25) i`.execute(s.db);
    const logs = await allPages(admin, '/api/operations/op-many0001/logs?limit=10', 'logs');
    expect(logs.pages).toBe(3);
    expect(logs.rows.map((l) => l.message)).toEqual(Array.from({ length: 25 }, (_, i) => `line ${i + 1}`));
    const whole = await admin('GET', '/api/operations/op-many0001/logs');
    expect(whole.body.logs).toHaveLength(25);
    expect(whole.body.nextCursor).toBeNull();
  });

  it('pages apps, releases and tokens', async () => {
    await admin('POST', '/api/apps', { slug: 'other' });
    const apps = await allPages(admin, '/api/apps?limit=1', 'apps');
    expect(apps.rows.map((a) => a.slug)).toEqual(['hello', 'other']);
    const releases = await allPages(acme, '/api/apps/hello/releases?limit=1', 'releases');
    expect(releases.pages).toBe(2);
    expect(releases.rows.map((r) => r.version)).toEqual(['2.0.0', '1.0.0']);
    const tokens = await allPages(admin, '/api/admin/tokens?limit=1', 'tokens');
    expect(tokens.rows.length).toBeGreaterThanOrEqual(3);
    expect(new Set(tokens.rows.map((t) => t.id)).size).toBe(tokens.rows.length);
    const tenantTokens = await allPages(admin, '/api/admin/tokens?role=tenant&tenant=globex&limit=1', 'tokens');
    expect(tenantTokens.rows.length).toBeGreaterThan(0);
    expect(tenantTokens.rows.every((t) => t.tenantId === 'globex')).toBe(true);
  });

  it("pages mass upgrades and a rollout's items in plan order", async () => {
    const waves = [['d-seed000001'], ['d-seed000003', 'd-seed000005', 'd-seed000007'], ['d-seed000009']];
    for (const id of ['mu-list0001', 'mu-list0002']) {
      await s.db
        .insertInto('mass_upgrades')
        .values({
          id,
          app_id: appId,
          target_version: '2.0.0',
          status: 'completed',
          options: '{}',
          plan: JSON.stringify({ waves }),
          workflow_id: `mass-upgrade-${id}`,
          actor: 'admin:test',
          halt_reason: null,
          finished_at: null,
        })
        .execute();
    }
    await s.db
      .updateTable('operations')
      .set({ mass_upgrade_id: 'mu-list0001', status: 'failed', error_type: 'ReadinessTimeout', error_message: 'never ready' })
      .where('id', '=', 'op-seed000003')
      .execute();
    const list = await allPages(admin, '/api/admin/mass-upgrades?limit=1&app=hello', 'massUpgrades');
    expect(list.rows.map((m) => m.id).sort()).toEqual(['mu-list0001', 'mu-list0002']);
    const items = await allPages(admin, '/api/admin/mass-upgrades/mu-list0001/items?limit=2', 'items');
    expect(items.pages).toBe(3);
    expect(items.rows.map((i) => [i.wave, i.deploymentId])).toEqual(waves.flatMap((w, n) => w.map((d) => [n + 1, d])));
    expect(items.rows[1]).toEqual({
      wave: 2,
      deploymentId: 'd-seed000003',
      operationId: 'op-seed000003',
      state: 'failed',
      error: { type: 'ReadinessTimeout', message: 'never ready' },
    });
    expect(items.rows[0].state).toBe('not_started');
    expect((await acme('GET', '/api/admin/mass-upgrades/mu-list0001/items')).status).toBe(403);
  });
});
