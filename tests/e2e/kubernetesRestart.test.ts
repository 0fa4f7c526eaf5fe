import { apiClient } from '../helpers/apiClient';
import { stopChild } from '../helpers/childProcess';
import { CLUSTER_SETUP_TIMEOUT_MS } from '../helpers/kubernetesCluster';
import { startProcessStack, type ProcessStack } from '../helpers/processStack';
import { keepRequesting } from '../helpers/trafficLoop';
import { publishHelloApp, servedVersions, waitForOperation, type Api } from '../crash/fixtures';

/**
 * Slipway's own processes stop and start again while its apps run on kubernetes (an `npm start`
 * restart, a host reboot of the Slipway box): the pods are the cluster's, not children of the
 * worker, so they keep serving while no worker or API runs, and the new worker finds them through
 * the API (list()/status()) rather than starting them again. The router stays up, as it does in
 * production, so users see no gap.
 */
// Two worker starts (each bundles workflows/) and a cluster on a loaded 2-core machine.
jest.setTimeout(600_000);

let s: ProcessStack;
let admin: Api;

beforeAll(async () => {
  s = await startProcessStack({ compute: 'kubernetes' });
  await s.explainFailure(async () => {
    await s.startApi();
    await s.startWorker();
    admin = apiClient(s.apiUrl, s.adminToken);
    await publishHelloApp(admin, s.containers!.appImage);
  });
}, CLUSTER_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await s?.close();
});

test('pods keep serving while Slipway is down; the restarted worker and API take them over and the next upgrade works', () =>
  s.explainFailure(async () => {
    const created = await admin('POST', '/api/deployments', {
      app: 'hello',
      tenantId: 'acme-k8s',
      name: 'survives-restart',
      version: '1.0.0',
      strategy: 'blue_green',
      env: { GREETING: 'still here' },
    });
    expect(created.status).toBe(202);
    const d = created.body.deployment as { id: string; hostname: string };
    expect(await waitForOperation(admin, created.body.operation.id)).toMatchObject({ status: 'succeeded' });
    const before = await s.liveApps(d.id);
    expect(before.map((a) => a.version)).toEqual(['1.0.0']);

    const traffic = keepRequesting(s.proxyPort, d.hostname, 500_000);
    await Promise.all(s.children.map((c) => stopChild(c)));
    expect(s.children.every((c) => c.exit !== null)).toBe(true);
    // Nothing of Slipway runs now but the router.
    expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['1.0.0']);

    await s.startApi();
    await s.startWorker();
    const shown = await admin('GET', `/api/deployments/${d.id}`);
    expect(shown.body).toMatchObject({ status: 'running', servingVersion: '1.0.0' });
    // The same pod: nothing was started again by the restart.
    expect(await s.liveApps(d.id)).toEqual(before);

    const upgrade = await admin('POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
    expect(upgrade.status).toBe(202);
    expect(await waitForOperation(admin, upgrade.body.operation.id)).toMatchObject({ status: 'succeeded' });
    const report = await traffic.stop();
    expect(report.failures).toEqual([]);
    expect([...report.versions.keys()].sort()).toEqual(['1.0.0', '2.0.0']);
    expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['2.0.0']);
    // The pod from before the restart is the warm previous revision, still the same pod.
    const after = await s.liveApps(d.id);
    expect(after.map((a) => a.version).sort()).toEqual(['1.0.0', '2.0.0']);
    expect(after.find((a) => a.version === '1.0.0')).toEqual(before[0]);
  }));
