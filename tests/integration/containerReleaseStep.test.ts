import { LABELS } from '../../compute/docker/containerSpec';
import { liveRevisions } from '../../db/queries/revisions';
import { apiClient } from '../helpers/apiClient';
import { answer, deployHello, helloRelease, runOperation, type Api } from '../helpers/hello';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { keepRequesting } from '../helpers/trafficLoop';

const node = (script: string) => ['/usr/bin/node', '-e', script];

/**
 * The manifest's release step on the docker provider, through the API: a one-off container of the
 * release's image with the target's env, run before anything switches (tests/integration/releasePhase.test.ts
 * covers the rest of the phase on the local provider; the docker provider's crash adoption is in
 * tests/compute/dockerProvider.test.ts).
 */
describe('release step on containers', () => {
  let s: SlipwayStack;
  let api: Api;

  beforeAll(async () => {
    s = await startSlipwayStack({ compute: 'docker' });
    const image = s.containers!.appImage;
    api = apiClient(s.apiUrl, await s.tenantToken('acme'));
    const admin = apiClient(s.apiUrl, s.adminToken);
    await admin('POST', '/api/apps', { slug: 'hello' });
    const releases = [
      helloRelease(1, { image }),
      helloRelease(2, {
        image,
        version: '2.0.0',
        release: { command: node("console.log('migrating for', process.env.GREETING, 'with', process.env.SESSION_SECRET)") },
      }),
      helloRelease(2, {
        image,
        version: '2.0.1-fails',
        release: { command: node("console.log('step 1 ok'); console.error('relation users does not exist'); process.exit(3)") },
      }),
    ];
    for (const body of releases) expect((await admin('POST', '/api/apps/hello/releases', body)).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
  });

  const messages = async (opId: string) =>
    ((await api('GET', `/api/operations/${opId}/logs`)).body.logs as { message: string }[]).map((l) => l.message);
  /** Release-step containers of the deployment the engine still holds, running or not. */
  const leftoverSteps = async (deploymentId: string) =>
    (await s.containers!.docker.listContainers({ all: true, filters: { label: [`${LABELS.deployment}=${deploymentId}`] } })).filter(
      (c) => LABELS.releaseStep in c.Labels,
    ).length;

  it('runs the step in a one-off container of the image with the resolved env before the new revision starts, then removes it', async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'step-ok', env: { GREETING: 'rel' } });
    const op = await runOperation(api, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
    expect(op.status).toBe('succeeded');
    const lines = await messages(op.id);
    expect(lines.find((m) => m.startsWith('release output'))).toMatch(/migrating for rel with \[redacted\]/);
    expect(lines.filter((m) => m === 'release step succeeded')).toHaveLength(1);
    const firstStart = lines.findIndex((m) => /^started /.test(m));
    expect(firstStart).toBeGreaterThan(lines.indexOf('release step succeeded'));
    expect((await answer(s, d.hostname)).json.version).toBe('2.0.0');
    expect(await leftoverSteps(d.id)).toBe(0);
  });

  it('a failing step fails the operation before the switch, with its output in the log; the old version keeps serving', async () => {
    const d = await deployHello(api, { version: '1.0.0', name: 'step-fails', env: { GREETING: 'f' } });
    const traffic = keepRequesting(s.proxyPort, d.hostname);
    const op = await runOperation(api, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.1-fails' });
    const report = await traffic.stop();
    expect(op).toMatchObject({
      status: 'failed',
      error: { type: 'ReleaseFailed', message: 'release step of 2.0.1-fails exited with code 3' },
    });
    expect((await messages(op.id)).find((m) => m.startsWith('release output'))).toMatch(/step 1 ok\nrelation users does not exist/);
    expect(report.failures).toEqual([]);
    expect([...report.versions.keys()]).toEqual(['1.0.0']);
    expect((await liveRevisions(s.db, d.id)).map((r) => `${r.release_version}:${r.status}`)).toEqual(['1.0.0:serving']);
    expect(await leftoverSteps(d.id)).toBe(0);
  });
});
