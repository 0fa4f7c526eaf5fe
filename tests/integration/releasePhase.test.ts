import { liveRevisions } from '../../db/queries/revisions';
import { apiClient } from '../helpers/apiClient';
import { answer, deployHello, helloRelease, runOperation, type Api } from '../helpers/hello';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { keepRequesting } from '../helpers/trafficLoop';

/** A hello-app 2.x release whose manifest has a release step (and maybe an irreversible migration). */
function withRelease(version: string, release: Record<string, unknown>, migration?: Record<string, unknown>) {
  const body = helloRelease(2, { version, release });
  if (migration) body.manifest.migration = migration;
  return body;
}

const node = (script: string) => ['node', '-e', script];

/** The manifest release phase and irreversible migrations through the API on the real stack. */
describe('release phase', () => {
  let s: SlipwayStack;
  let api: Api;
  let admin: Api;

  beforeAll(async () => {
    s = await startSlipwayStack();
    api = apiClient(s.apiUrl, await s.tenantToken('acme'));
    admin = apiClient(s.apiUrl, s.adminToken);
    await admin('POST', '/api/apps', { slug: 'hello' });
    const releases = [
      helloRelease(1),
      withRelease(
        '2.0.0',
        { command: node("console.log('migrating for', process.env.GREETING, 'with', process.env.SESSION_SECRET)") },
        { reversible: false, name: 'drop-legacy-sessions' },
      ),
      withRelease('2.0.1-fails', {
        command: node("console.log('step 1 ok'); console.error('relation users does not exist'); process.exit(3)"),
      }),
      withRelease('2.0.2-hangs', { command: node('setTimeout(() => {}, 60000)'), timeoutSeconds: 1 }),
      // A named service runs its own command once; a web server never exits, so it meets the timeout.
      withRelease('2.0.3-service', { service: 'web', timeoutSeconds: 1 }),
    ];
    for (const body of releases) expect((await admin('POST', '/api/apps/hello/releases', body)).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
  });

  const logs = async (opId: string) => (await api('GET', `/api/operations/${opId}/logs`)).body.logs as { phase: string; message: string }[];
  const live = async (id: string) => (await liveRevisions(s.db, id)).map((r) => `${r.release_version}:${r.status}`).sort();

  it('runs the release step once with the resolved env before the new revision starts; secrets stay out of the log', async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'release-ok', env: { GREETING: 'rel' } });
    const op = await runOperation(api, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
    expect(op.status).toBe('succeeded');
    const lines = await logs(op.id);
    const messages = lines.map((l) => l.message);
    const output = messages.find((m) => m.startsWith('release output'));
    expect(output).toMatch(/migrating for rel with \[redacted\]/);
    expect(messages.filter((m) => m === 'release step succeeded')).toHaveLength(1);
    const released = messages.indexOf('release step succeeded');
    const firstStart = messages.findIndex((m) => /^started .* \(pid \d+\)/.test(m));
    expect(released).toBeGreaterThan(-1);
    expect(firstStart).toBeGreaterThan(released);
    expect((await answer(s, d.hostname)).json.version).toBe('2.0.0');
    // A restart of the same release changes no code: no release step.
    const restart = await runOperation(api, 'POST', `/api/deployments/${d.id}/restart`, {});
    expect((await logs(restart.id)).some((l) => l.phase === 'release')).toBe(false);
  });

  it('a failing release step fails the operation with its output in the log; the old revision keeps serving', async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'release-fails', env: { GREETING: 'f' } });
    const traffic = keepRequesting(s.proxyPort, d.hostname);
    const op = await runOperation(api, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.1-fails' });
    const report = await traffic.stop();
    expect(op).toMatchObject({
      status: 'failed',
      error: { type: 'ReleaseFailed', message: 'release step of 2.0.1-fails exited with code 3' },
    });
    const output = (await logs(op.id)).map((l) => l.message).find((m) => m.startsWith('release output'));
    expect(output).toMatch(/step 1 ok\nrelation users does not exist/);
    expect(report.failures).toEqual([]);
    expect([...report.versions.keys()]).toEqual(['1.0.0']);
    expect(await live(d.id)).toEqual(['1.0.0:serving']);
    expect((await api('GET', `/api/deployments/${d.id}`)).body).toMatchObject({ servingVersion: '1.0.0', status: 'failed' });
  });

  it('a release step past its timeout is killed and fails the operation', async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'release-hangs', env: { GREETING: 'h' } });
    const op = await runOperation(api, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.2-hangs' });
    expect(op.error).toEqual({ type: 'ReleaseFailed', message: 'release step of 2.0.2-hangs ran past its 1 s timeout and was killed' });
    expect((await answer(s, d.hostname)).json.version).toBe('1.0.0');
  });

  it("a release step naming a service runs that service's command from the artifact", async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'release-service', env: { GREETING: 'svc' } });
    const op = await runOperation(api, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.3-service' });
    expect(op.error).toEqual({ type: 'ReleaseFailed', message: 'release step of 2.0.3-service ran past its 1 s timeout and was killed' });
    expect((await logs(op.id)).map((l) => l.message)).toContain('release step of 2.0.3-service: node server.js (timeout 1 s)');
    expect((await answer(s, d.hostname)).json.version).toBe('1.0.0');
  });

  it('refuses a rollback or an older upgrade across an irreversible migration with 409 naming it, unless force', async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'irreversible', env: { GREETING: 'i' } });
    expect((await runOperation(api, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' })).status).toBe('succeeded');

    const rollback = await api('POST', `/api/deployments/${d.id}/rollback`, {});
    expect(rollback.status).toBe(409);
    expect(rollback.body).toMatchObject({
      code: 'irreversible_migration',
      migrations: [{ version: '2.0.0', name: 'drop-legacy-sessions' }],
    });
    expect(rollback.body.message).toMatch(
      /from 2\.0\.0 back to 1\.0\.0 crosses an irreversible migration: drop-legacy-sessions \(release 2\.0\.0\)/,
    );
    const older = await api('POST', `/api/deployments/${d.id}/upgrade`, { version: '1.0.0' });
    expect(older.status).toBe(409);
    expect(older.body.code).toBe('irreversible_migration');
    expect((await api('POST', `/api/deployments/${d.id}/rollback`, { force: 'yes' })).body.fields).toEqual([
      expect.objectContaining({ field: 'body.force' }),
    ]);

    const forced = await runOperation(api, 'POST', `/api/deployments/${d.id}/rollback`, { force: true });
    expect(forced.status).toBe('succeeded');
    expect((await answer(s, d.hostname)).json.version).toBe('1.0.0');
    // Forward across it again is always allowed.
    expect((await api('POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' })).status).toBe(202);
  });

  it('refuses a malformed release step when the release is created, by field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ command: ['x'], service: 'web' }, 'body.manifest.release'],
      [{}, 'body.manifest.release'],
      [{ service: 'nope' }, 'body.manifest.release.service'],
      [{ command: ['x'], timeoutSeconds: 0 }, 'body.manifest.release.timeoutSeconds'],
    ];
    for (const [i, [release, field]] of cases.entries()) {
      const r = await admin('POST', '/api/apps/hello/releases', withRelease(`9.0.${i}`, release));
      expect(r.status).toBe(400);
      expect(r.body.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    const badMigration = await admin('POST', '/api/apps/hello/releases', withRelease('9.1.0', { command: ['x'] }, { reversible: 'no' }));
    expect(badMigration.body.fields.map((f: { field: string }) => f.field)).toContain('body.manifest.migration.reversible');
  });
});
