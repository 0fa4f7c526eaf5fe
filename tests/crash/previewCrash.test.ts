import { apiClient, eventually } from '../helpers/apiClient';
import { exactlyOnceReport, expectExactlyOnce } from '../helpers/exactlyOnce';
import { kill, waitForExit } from '../helpers/childProcess';
import { startProcessStack, type ProcessStack } from '../helpers/processStack';
import { publishHelloApp, servedVersions, waitForOperation, waitForOperationClosed, type Api } from './fixtures';

/**
 * An upgrade awaiting manual promotion is a workflow waiting on a durable timer: killing the
 * only worker (SIGKILL) while it waits must lose nothing. The promotion is sent while no worker
 * runs at all; the next worker replays the wait, sees the signal and switches.
 */
jest.setTimeout(240_000);

describe('worker killed with SIGKILL while an upgrade awaits promotion', () => {
  let s: ProcessStack;
  let admin: Api;

  beforeAll(async () => {
    s = await startProcessStack();
    await s.explainFailure(async () => {
      await s.startApi();
      admin = apiClient(s.apiUrl, s.adminToken);
      await publishHelloApp(admin);
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('keeps the preview and the wait; a promote sent while no worker runs switches once a worker is back', () =>
    s.explainFailure(async () => {
      const worker = await s.startWorker();
      const created = await admin('POST', '/api/deployments', {
        app: 'hello',
        tenantId: 'acme',
        name: 'preview-crash',
        version: '1.0.0',
        env: { GREETING: 'hi' },
      });
      expect(created.status).toBe(202);
      const d = created.body.deployment as { id: string; hostname: string };
      await waitForOperationClosed(admin, s.temporal.client, d.id, created.body.operation.id);

      const started = await admin('POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0', promotion: 'manual' });
      expect(started.status).toBe(202);
      const opId = started.body.operation.id as string;
      const preview = await eventually('awaiting_promotion', async () => {
        const r = await admin('GET', `/api/deployments/${d.id}`);
        return r.body.status === 'awaiting_promotion' ? (r.body.preview as { hostname: string }) : undefined;
      });

      kill(worker, 'SIGKILL');
      expect((await waitForExit(worker)).signal).toBe('SIGKILL');
      expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['1.0.0']);
      expect(await servedVersions(s.proxyPort, preview.hostname)).toEqual(['2.0.0']);

      // No worker polls: the signal is recorded in the workflow's history all the same.
      expect((await admin('POST', `/api/deployments/${d.id}/promote`, {})).status).toBe(202);
      expect((await admin('GET', `/api/operations/${opId}`)).body.status).toBe('running');

      await s.startWorker();
      const done = await waitForOperation(admin, opId, 200_000);
      expect(done).toMatchObject({ status: 'succeeded', error: null });
      const r = await exactlyOnceReport({
        db: s.db,
        client: s.temporal.client,
        liveApps: s.liveApps,
        deploymentId: d.id,
        operationId: opId,
      });
      expectExactlyOnce(r, { kind: 'upgrade', version: '2.0.0', warmVersion: '1.0.0' });
      expect(await servedVersions(s.proxyPort, d.hostname)).toEqual(['2.0.0']);
    }));
});
