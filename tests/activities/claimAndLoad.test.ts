import { ApplicationFailure } from '@temporalio/activity';
import { findDeployment } from '../../db/queries/deployments';
import { findOperation, insertOperation, listOperationLogs } from '../../db/queries/operations';
import { newOperationRow } from '../../db/operationRow';
import { DEFAULT_CANARY_STEPS } from '../../domain/strategy';
import { startActivityHarness, type ActivityHarness } from '../helpers/activityHarness';

/** In-process (MockActivityEnvironment) on the real test Postgres: the first two steps of every lifecycle workflow. */
describe('claimOperation and loadDeploymentContext', () => {
  let h: ActivityHarness;
  beforeAll(async () => {
    h = await startActivityHarness();
  });
  afterAll(() => h.close());

  const failureOf = async (p: Promise<unknown>): Promise<ApplicationFailure> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  };

  it('claims a pending operation: running under the run id, deployment in its in-progress status', async () => {
    const d = await h.seedDeployment();
    const op = await h.seedOperation(d, 'deploy', '1.0.0');
    await h.run(h.acts.claimOperation, { operationId: op.id, deploymentId: d.id, kind: 'deploy', runId: 'run-1' });
    expect(await findOperation(h.db, op.id)).toMatchObject({ status: 'running', run_id: 'run-1', started_at: expect.any(Date) });
    expect(await findDeployment(h.db, d.id)).toMatchObject({ status: 'deploying', progress: 0 });

    // A retried attempt finds its own operation running and changes nothing, not even the run id.
    await h.run(h.acts.claimOperation, { operationId: op.id, deploymentId: d.id, kind: 'deploy', runId: 'run-2' });
    expect(await findOperation(h.db, op.id)).toMatchObject({ status: 'running', run_id: 'run-1' });
    expect((await findDeployment(h.db, d.id))?.status).toBe('deploying');
  });

  it('refuses an illegal transition non-retryably and leaves both rows as they were', async () => {
    const d = await h.seedDeployment();
    const op = await h.seedOperation(d, 'rollback', null);
    const failure = await failureOf(h.run(h.acts.claimOperation, { operationId: op.id, deploymentId: d.id, kind: 'rollback', runId: 'r' }));
    expect(failure).toMatchObject({ type: 'IllegalTransition', nonRetryable: true });
    expect(failure.message).toContain('cannot rollback a deployment that is pending');
    expect((await findOperation(h.db, op.id))?.status).toBe('pending');
    expect((await findDeployment(h.db, d.id))?.status).toBe('pending');
  });

  it('says which operation does not exist', async () => {
    const d = await h.seedDeployment();
    const failure = await failureOf(
      h.run(h.acts.claimOperation, { operationId: 'op-missing', deploymentId: d.id, kind: 'deploy', runId: 'r' }),
    );
    expect(failure).toMatchObject({ type: 'DeploymentNotFound', nonRetryable: true, message: 'operation op-missing does not exist' });
  });

  it('loads the context from the release manifest and the operation row, logging it once', async () => {
    const d = await h.seedDeployment();
    const op = await h.seedOperation(d, 'deploy', '1.0.0');
    const input = { operationId: op.id, deploymentId: d.id, kind: 'deploy' as const };
    await h.run(h.acts.claimOperation, { ...input, runId: 'run-1' });
    const ctx = await h.run(h.acts.loadDeploymentContext, input);
    expect(ctx).toEqual({
      deploymentId: d.id,
      hostname: d.hostname,
      targetVersion: '1.0.0',
      servingVersion: null,
      previousVersion: null,
      activeSlot: null,
      configRevision: 1,
      strategy: 'blue_green',
      readinessPath: '/healthz',
      readinessTimeoutSeconds: 7,
      effectiveKind: 'deploy',
      revisionOwner: op.id,
      rollbackWindowSeconds: 600,
      drainTimeoutSeconds: 5,
      replicas: 1,
      canary: { steps: DEFAULT_CANARY_STEPS, pauseSeconds: 30, maxErrorRate: 0.05, minRequests: 20 },
      preview: null,
      releaseStep: null,
    });
    expect(await h.run(h.acts.loadDeploymentContext, input)).toEqual(ctx);
    const logs = await listOperationLogs(h.db, op.id);
    expect(logs.filter((l) => l.phase === 'fetchDeployment').map((l) => l.step)).toEqual(['loaded']);
    expect((await findDeployment(h.db, d.id))?.progress).toBe(5);
  });

  it("takes the operation's own strategy and options over the deployment's", async () => {
    const d = await h.seedDeployment({ status: 'running', serving_version: '1.0.0' });
    const op = await insertOperation(
      h.db,
      newOperationRow({
        id: 'op-canary-override',
        deployment: d,
        kind: 'upgrade',
        trigger: 'api',
        actor: 'test',
        toVersion: '2.0.0',
        strategy: 'canary',
        strategyOptions: { canary: { steps: [50, 100], pauseSeconds: 1, maxErrorRate: 0.1, minRequests: 5 } },
      }),
    );
    const ctx = await h.run(h.acts.loadDeploymentContext, { operationId: op.id, deploymentId: d.id, kind: 'upgrade' });
    expect(ctx).toMatchObject({ strategy: 'canary', targetVersion: '2.0.0', servingVersion: '1.0.0' });
    expect(ctx.canary).toEqual({ steps: [50, 100], pauseSeconds: 1, maxErrorRate: 0.1, minRequests: 5 });
  });

  it('fails non-retryably when the target release does not exist', async () => {
    const d = await h.seedDeployment();
    const op = await h.seedOperation(d, 'deploy', '9.9.9');
    const failure = await failureOf(h.run(h.acts.loadDeploymentContext, { operationId: op.id, deploymentId: d.id, kind: 'deploy' }));
    expect(failure).toMatchObject({ type: 'ReleaseNotFound', nonRetryable: true, message: 'release 9.9.9 does not exist for this app' });
  });
});
