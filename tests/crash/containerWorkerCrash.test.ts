import { FAULT_POINTS } from '../../ports/faultPoints';
import { LABELS } from '../../compute/docker/containerSpec';
import { liveRevisions } from '../../db/queries/revisions';
import { createLogger } from '../../src/logger';
import { apiClient } from '../helpers/apiClient';
import { stopChild, waitForExit } from '../helpers/childProcess';
import { startContainerStack, type ContainerStack } from '../helpers/containerStack';
import { helloRelease } from '../helpers/hello';
import { startProcessStack, type ProcessStack } from '../helpers/processStack';
import { report, secs, servedVersions, waitForOperation, waitForOperationClosed, type Api } from './fixtures';

/**
 * SLIPWAY_COMPUTE=docker: the worker process is SIGKILLed right after it started the new
 * revision's container. The container keeps running (the engine owns it, not the worker); the
 * next worker finds it by its labels and adopts it instead of starting a second one.
 */
jest.setTimeout(300_000);

describe('docker compute: worker killed with SIGKILL after starting a container', () => {
  let s: ProcessStack;
  let containers: ContainerStack;
  let admin: Api;
  let env: Record<string, string>;

  beforeAll(async () => {
    containers = await startContainerStack(createLogger('containers', process.env.SLIPWAY_TEST_LOG_LEVEL ?? 'warn'));
    s = await startProcessStack();
    env = { SLIPWAY_COMPUTE: 'docker', DOCKER_HOST: containers.engine.dockerHost, SLIPWAY_REGISTRY: containers.registry.url };
    await s.explainFailure(async () => {
      await s.startApi({ env });
      admin = apiClient(s.apiUrl, s.adminToken);
      expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
      for (const v of [1, 2] as const) {
        expect((await admin('POST', '/api/apps/hello/releases', helloRelease(v, { image: containers.appImage }))).status).toBe(201);
      }
    });
  });
  afterAll(async () => {
    await s?.close();
    await containers?.close();
  });

  const running = async (deploymentId: string) =>
    (
      await containers.docker.listContainers({
        filters: { label: [`${LABELS.deployment}=${deploymentId}`], status: ['running'] },
      })
    ).map((c) => ({ id: c.Id, key: c.Labels[LABELS.revision] }));

  it('the next worker adopts the running container: one container per revision, the same one serving', () =>
    s.explainFailure(async () => {
      const first = await s.startWorker({ env });
      const created = await admin('POST', '/api/deployments', {
        app: 'hello',
        tenantId: 'acme',
        version: '1.0.0',
        strategy: 'blue_green',
        env: { GREETING: 'hi' },
      });
      expect(created.status).toBe(202);
      const d = created.body.deployment as { id: string; hostname: string };
      expect(await waitForOperationClosed(admin, s.temporal.client, d.id, created.body.operation.id)).toMatchObject({
        status: 'succeeded',
      });
      await stopChild(first);
      expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['1.0.0']);

      const doomed = await s.startWorker({ env, faultAt: FAULT_POINTS.afterStartRevision });
      const started = await admin('POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
      expect(started.status).toBe(202);
      const exit = await waitForExit(doomed, 60_000);
      expect(exit.signal).toBe('SIGKILL');

      // No worker runs: both containers do, and the old one still serves.
      const during = await running(d.id);
      expect(during).toHaveLength(2);
      expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['1.0.0']);

      await s.startWorker({ env });
      const done = await waitForOperation(admin, started.body.operation.id, 200_000);
      expect(done).toMatchObject({ status: 'succeeded', error: null });
      const recoveredMs = Date.now() - exit.at;
      expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['2.0.0']);

      const after = await running(d.id);
      const revisions = await liveRevisions(s.db, d.id);
      const serving = revisions.find((r) => r.status === 'serving');
      expect(serving?.release_version).toBe('2.0.0');
      // Adopted, not started twice: the serving container is the one the killed worker started.
      expect(after.find((c) => c.key === serving?.key)?.id).toBe(during.find((c) => c.key === serving?.key)?.id);
      expect(new Set(after.map((c) => c.key)).size).toBe(after.length);
      const all = await containers.docker.listContainers({ all: true, filters: { label: [`${LABELS.deployment}=${d.id}`] } });
      expect(all).toHaveLength(after.length);
      report(
        `docker afterStartRevision: operation succeeded ${secs(recoveredMs)} after the kill; containers while no worker ran: ${during.length}`,
      );
    }));
});
