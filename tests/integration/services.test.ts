import type { RevisionStatus } from '../../db/schema';
import { apiClient, viaRouter } from '../helpers/apiClient';
import { helloRelease, runOperation, waitForOperation } from '../helpers/hello';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { keepRequesting } from '../helpers/trafficLoop';
import { PROVIDERS } from '../helpers/computeProviders';

/**
 * hello-app as web, plus its background worker.js; web starts only once the worker has run 1 s.
 * With `image`, both services run from the test image (the worker with its own command).
 */
function twoServiceRelease(v: 1 | 2, image?: string) {
  const body = helloRelease(v, { image });
  const web = body.manifest.services[0];
  const run = (script: string[]) => (image ? { image, command: ['/usr/bin/node', ...script] } : { command: ['node', ...script] });
  body.manifest.services = [
    { ...web, http: true, dependsOn: ['worker'] },
    { name: 'worker', ...run([image ? '/app/worker.js' : 'worker.js']), readiness: { runningSeconds: 1 } },
  ];
  return { body, run };
}

describe.each(PROVIDERS)('a release with two services (web + worker, dependsOn) (%s compute)', (compute) => {
  let s: SlipwayStack;
  let admin: ReturnType<typeof apiClient>;
  let image: string | undefined;

  beforeAll(async () => {
    s = await startSlipwayStack({ compute });
    image = s.containers?.appImage;
    admin = apiClient(s.apiUrl, s.adminToken);
    await admin('POST', '/api/apps', { slug: 'duo' });
    for (const v of [1, 2] as const)
      expect((await admin('POST', '/api/apps/duo/releases', twoServiceRelease(v, image).body)).status).toBe(201);
  });
  afterAll(() => s?.close());

  const revisionKeys = async (deploymentId: string, status: RevisionStatus) =>
    (await s.db.selectFrom('revisions').select('key').where('deployment_id', '=', deploymentId).where('status', '=', status).execute()).map(
      (r) => r.key,
    );

  it('starts the worker first, routes traffic to web only, upgrades both with no failed request, and stops both', async () => {
    const created = await admin('POST', '/api/deployments', { app: 'duo', version: '1.0.0', tenantId: 'acme', env: { GREETING: 'duo' } });
    expect(created.status).toBe(202);
    const { deployment } = created.body;
    expect((await waitForOperation(admin, created.body.operation.id)).status).toBe('succeeded');

    const [key] = await revisionKeys(deployment.id, 'serving');
    const web = await s.compute.status(key);
    const worker = await s.compute.status(`${key}--worker`);
    expect(web && worker).toBeTruthy();
    // dependsOn: web started only after the worker had been running for its readiness second.
    expect(Date.parse(web!.startedAt) - Date.parse(worker!.startedAt)).toBeGreaterThanOrEqual(1000);
    const route = await s.router.getRoute(deployment.id);
    expect(route?.upstreams.map((u) => u.key)).toEqual([key]);
    const res = await viaRouter(s.proxyPort, deployment.hostname);
    expect(JSON.parse(res.body)).toMatchObject({ version: '1.0.0', greeting: 'duo' });

    const traffic = keepRequesting(s.proxyPort, deployment.hostname);
    const upgrade = await runOperation(admin, 'POST', `/api/deployments/${deployment.id}/upgrade`, { version: '2.0.0' });
    const report = await traffic.stop();
    expect(upgrade.status).toBe('succeeded');
    expect(report.failures).toEqual([]);
    expect(report.versions.get('2.0.0')).toBeGreaterThan(0);
    const [newKey] = await revisionKeys(deployment.id, 'serving');
    expect(await s.compute.status(`${newKey}--worker`)).not.toBeNull();
    // The old revision stays warm for a rollback with both of its services.
    expect(await s.compute.status(`${key}--worker`)).not.toBeNull();

    const destroyed = await runOperation(admin, 'POST', `/api/deployments/${deployment.id}/destroy`, { confirm: deployment.id });
    expect(destroyed.status).toBe('succeeded');
    for (const k of [key, `${key}--worker`, newKey, `${newKey}--worker`]) expect(await s.compute.status(k)).toBeNull();
  });

  it('fails the deploy, naming the worker, when the worker exits before it is ready, and starts no web', async () => {
    const { body, run } = twoServiceRelease(1, image);
    body.version = '3.0.0';
    body.manifest.services[1] = { ...body.manifest.services[1], ...run(['-e', 'process.exit(3)']) };
    expect((await admin('POST', '/api/apps/duo/releases', body)).status).toBe(201);
    const created = await admin('POST', '/api/deployments', { app: 'duo', version: '3.0.0', tenantId: 'acme', env: { GREETING: 'x' } });
    const op = await waitForOperation(admin, created.body.operation.id);
    expect(op).toMatchObject({
      status: 'failed',
      error: { type: 'RevisionCrashed', message: expect.stringMatching(/service worker .* exited/) },
    });
    const [key] = (await s.db.selectFrom('revisions').select('key').where('deployment_id', '=', created.body.deployment.id).execute()).map(
      (r) => r.key,
    );
    expect(await s.compute.status(key)).toBeNull();
  });
});
