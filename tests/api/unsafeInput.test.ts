import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ARTIFACT_SOURCE_ROOTS } from '../../compute/local/artifactStore';
import { apiClient } from '../helpers/apiClient';
import { helloRelease, waitForOperation } from '../helpers/hello';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { countRows } from './support';

/** Issue 9: inputs an attacker sends get a 400 naming the field, and nothing is created. */
describe('unsafe input is refused with 400 naming the field', () => {
  let s: SlipwayStack;
  let admin: ReturnType<typeof apiClient>;
  let tenant: ReturnType<typeof apiClient>;
  let roots: string;

  beforeAll(async () => {
    roots = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-roots-'));
    await fs.symlink('/etc', path.join(roots, 'etc-link'));
    s = await startSlipwayStack({ artifactRoots: [...DEFAULT_ARTIFACT_SOURCE_ROOTS, roots] });
    admin = apiClient(s.apiUrl, s.adminToken);
    tenant = apiClient(s.apiUrl, await s.tenantToken('acme'));
    await admin('POST', '/api/apps', { slug: 'hello' });
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1))).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
    await fs.rm(roots, { recursive: true, force: true });
  });

  const nodeOptions = '--import=data:text/javascript,process.stdout.write(require("fs").readFileSync("/etc/shadow"))';

  it.each([
    ['NODE_OPTIONS', nodeOptions],
    ['LD_PRELOAD', '/tmp/evil.so'],
    ['PATH', '/tmp/evil-bin'],
    ['PYTHONSTARTUP', '/tmp/evil.py'],
  ])('POST /api/deployments with env %s → 400, nothing created', async (name, value) => {
    const [deployments, operations] = [await countRows(s, 'deployments'), await countRows(s, 'operations')];
    const r = await tenant('POST', '/api/deployments', { app: 'hello', env: { GREETING: 'hi', [name]: value } });
    expect(r.status).toBe(400);
    expect(r.body.fields).toEqual([{ field: `body.env.${name}`, message: expect.any(String) }]);
    expect(JSON.stringify(r.body)).not.toContain('/etc/shadow');
    expect([await countRows(s, 'deployments'), await countRows(s, 'operations')]).toEqual([deployments, operations]);
  });

  it('PUT /env with NODE_OPTIONS → 400, no config revision and no operation', async () => {
    const created = await tenant('POST', '/api/deployments', { app: 'hello', env: { GREETING: 'hi' } });
    expect(created.status).toBe(202);
    expect((await waitForOperation(tenant, created.body.operation.id)).status).toBe('succeeded');
    const id = created.body.deployment.id;
    const before = await tenant('GET', `/api/deployments/${id}`);
    const operations = await countRows(s, 'operations');

    const r = await tenant('PUT', `/api/deployments/${id}/env`, { env: { NODE_OPTIONS: nodeOptions } });
    expect(r.status).toBe(400);
    expect(r.body.fields).toEqual([{ field: 'body.env.NODE_OPTIONS', message: expect.any(String) }]);
    expect(await countRows(s, 'operations')).toBe(operations);
    expect((await tenant('GET', `/api/deployments/${id}`)).body.configRevision).toBe(before.body.configRevision);
    const stored = await s.db.selectFrom('deployment_env_vars').select('key').where('deployment_id', '=', id).execute();
    expect(stored.map((row) => row.key)).not.toContain('NODE_OPTIONS');
  });

  it('refuses a readiness path aimed at another port on the machine', async () => {
    const otherPort = new URL(s.apiUrl).port; // a real listener that answers 2xx on /healthz
    const body = helloRelease(1, { version: '1.0.1' });
    body.manifest.services[0].readiness.path = `//127.0.0.1:${otherPort}/healthz`;
    const r = await admin('POST', '/api/apps/hello/releases', body);
    expect(r.status).toBe(400);
    expect(r.body.fields.map((f: { field: string }) => f.field)).toEqual(['body.manifest.services.0.readiness.path']);
    expect((await admin('GET', '/api/apps/hello/releases')).body.releases.map((x: { version: string }) => x.version)).toEqual(['1.0.0']);
  });

  it.each([
    ['a path that climbs out of a root', () => 'examples/../../../../../../etc'],
    ['an absolute path outside the roots', () => '/etc'],
    ['a symlink to /etc inside a root', () => path.join(roots, 'etc-link')],
  ])('refuses an artifact.path that is %s', async (_what, artifactPath) => {
    const r = await admin('POST', '/api/apps/hello/releases', {
      ...helloRelease(1, { version: '1.0.2' }),
      artifact: { path: artifactPath() },
    });
    expect(r.status).toBe(400);
    expect(r.body.fields).toEqual([{ field: 'body.artifact.path', message: expect.stringContaining('outside the artifact roots') }]);
    expect((await admin('GET', '/api/apps/hello/releases')).body.releases).toHaveLength(1);
  });

  it('fails a release whose program is missing at once with CommandNotRunnable and the reason in the log (9.6)', async () => {
    const body = helloRelease(1, { version: '1.1.0' });
    body.manifest.services[0].command = ['./no-such-program'];
    expect((await admin('POST', '/api/apps/hello/releases', body)).status).toBe(201);
    const r = await tenant('POST', '/api/deployments', { app: 'hello', version: '1.1.0', env: { GREETING: 'hi' } });
    expect(r.status).toBe(202);
    // One attempt, not 20 retries over 7 minutes: the generous deadline only absorbs a loaded machine.
    const op = await waitForOperation(tenant, r.body.operation.id, 60_000);
    expect(op.status).toBe('failed');
    expect(op.error).toMatchObject({ type: 'CommandNotRunnable', message: expect.stringContaining('no-such-program') });
    const logs = (await tenant('GET', `/api/operations/${op.id}/logs`)).body.logs as { level: string; message: string }[];
    expect(logs.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/no-such-program.*ENOENT/)]),
    );
  });
});
