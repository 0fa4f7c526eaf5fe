import { readSse, type SseEvent } from '../../cli/sse';
import { updateDeployment } from '../../db/queries/deployments';
import { upsertTenantEnvVars } from '../../db/queries/envVars';
import { apiClient } from '../helpers/apiClient';
import { seedDeployments } from '../helpers/fleetSeed';
import { helloRelease, type Api } from '../helpers/hello';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { withStack } from '../helpers/withStack';

/** Reads events from an open stream until `until` says stop (or the deadline passes). */
async function collect(url: string, token: string, act: () => Promise<void>, until: (events: SseEvent[]) => boolean, ms = 15_000) {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: SseEvent[] = [];
  const timer = setTimeout(() => abort.abort(), ms);
  const reading = (async () => {
    try {
      for await (const e of readSse(res.body!)) {
        events.push(e);
        if (until(events)) break;
      }
    } catch {
      /* aborted at the deadline */
    }
  })();
  await act();
  await reading;
  clearTimeout(timer);
  abort.abort();
  return events;
}

const changed = (events: SseEvent[]) => events.filter((e) => e.event === 'deployment').map((e) => JSON.parse(e.data));

/** The dashboard's read endpoints: deployment changes over SSE, env for the editor, router stats; each inside the tenant boundary. */
describe('deployment events, env and traffic reads', () => {
  let s: SlipwayStack;
  let admin: Api;
  let acmeToken: string;
  let acme: Api;
  const ids = { acme: '', globex: '' };
  withStack(async (stack, a) => {
    s = stack;
    admin = a;
    acmeToken = await s.tenantToken('acme');
    acme = apiClient(s.apiUrl, acmeToken);
    await admin('POST', '/api/apps', { slug: 'hello' });
    await admin('POST', '/api/apps/hello/releases', helloRelease(1));
    const appId = (await s.db.selectFrom('apps').select('id').where('slug', '=', 'hello').executeTakeFirstOrThrow()).id;
    // Rows 1-2 are acme's, 3-5 globex's (fleetSeed gives tenants three rows each from row 0).
    await seedDeployments(s.db, { appId, count: 5, tenants: ['acme', 'globex'], start: new Date('2020-01-01T00:00:00Z') });
    ids.acme = 'd-seed000001';
    ids.globex = 'd-seed000004';
    expect((await admin('GET', `/api/deployments/${ids.acme}`)).body.tenantId).toBe('acme');
    expect((await admin('GET', `/api/deployments/${ids.globex}`)).body.tenantId).toBe('globex');
  });

  it('streams a tenant its own deployment changes and never another tenant’s', async () => {
    const events = await collect(
      `${s.apiUrl}/api/events/deployments`,
      acmeToken,
      async () => {
        await updateDeployment(s.db, ids.globex, { progress: 13 });
        await updateDeployment(s.db, ids.acme, { progress: 42 });
      },
      (ev) => changed(ev).some((d) => d.progress === 42),
    );
    const seen = changed(events);
    expect(seen.find((d) => d.id === ids.acme)).toMatchObject({ progress: 42, tenantId: 'acme', app: 'hello' });
    expect(seen.map((d) => d.tenantId)).not.toContain('globex');
  });

  it('streams every tenant to an admin, each change once', async () => {
    const events = await collect(
      `${s.apiUrl}/api/events/deployments`,
      s.adminToken,
      async () => {
        await updateDeployment(s.db, ids.globex, { progress: 61 });
        await updateDeployment(s.db, ids.acme, { progress: 62 });
      },
      // Read on for several polls: every poll looks back over the overlap, and must not send a change twice.
      () => false,
      2_500,
    );
    const seen = changed(events).filter((d) => d.progress === 61 || d.progress === 62);
    expect(seen.map((d) => d.id).sort()).toEqual([ids.acme, ids.globex].sort());
  });

  it('ends a stream when its token is revoked', async () => {
    const token = await s.tenantToken('acme');
    const tokenId = (await admin('GET', '/api/admin/tokens?tenant=acme')).body.tokens.at(-1).id;
    const events = await collect(
      `${s.apiUrl}/api/events/deployments`,
      token,
      async () => {
        expect((await admin('DELETE', `/api/admin/tokens/${tokenId}`)).status).toBe(200);
      },
      (ev) => ev.some((e) => e.event === 'end'),
    );
    expect(JSON.parse(events.find((e) => e.event === 'end')!.data)).toEqual({ status: 'token_revoked' });
  });

  it('shows env names and plain values; a secret value never leaves the database', async () => {
    await upsertTenantEnvVars(s.db, s.secrets, ids.acme, { GREETING: 'hi', API_KEY: 'sk-live-1234' }, new Set(['API_KEY']));
    const r = await acme('GET', `/api/deployments/${ids.acme}/env`);
    expect(r.status).toBe(200);
    expect(r.body.env).toEqual([
      { key: 'API_KEY', source: 'tenant', secret: true, value: null },
      { key: 'GREETING', source: 'tenant', secret: false, value: 'hi' },
    ]);
    expect(JSON.stringify(r.body)).not.toContain('sk-live');
    expect((await acme('GET', `/api/deployments/${ids.globex}/env`)).status).toBe(404);
  });

  it('reads router stats of a deployment, inside the tenant boundary', async () => {
    const r = await acme('GET', `/api/deployments/${ids.acme}/traffic`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ deploymentId: ids.acme, suspended: false, revisions: [] });
    expect((await acme('GET', `/api/deployments/${ids.globex}/traffic`)).status).toBe(404);
    const bad = await acme('GET', '/api/deployments/nope/traffic');
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual([{ field: 'params.id', message: 'a deployment id like d-abc123' }]);
  });
});
