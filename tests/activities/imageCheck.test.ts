import { ApplicationFailure } from '@temporalio/activity';
import { insertRelease } from '../../db/queries/apps';
import { findOperation } from '../../db/queries/operations';
import { DistributionRegistry } from '../../images/distributionRegistry';
import { startActivityHarness, type ActivityHarness } from '../helpers/activityHarness';
import { startTestRegistry, type TestRegistry } from '../helpers/ociRegistry';

/** A rollback to a release whose image was garbage-collected fails before it stops anything. */
describe('loadDeploymentContext checks that the target release image is still in the registry', () => {
  let h: ActivityHarness;
  let registry: TestRegistry;
  let client: DistributionRegistry;
  beforeAll(async () => {
    [h, registry] = await Promise.all([startActivityHarness(), startTestRegistry()]);
    client = new DistributionRegistry({ url: registry.url });
    h.deps.images = client;
  });
  afterAll(async () => {
    await h?.close();
    await registry?.close();
  });

  it('loads a rollback while the image exists, and fails it with ImageMissing, changing nothing, once it is gone', async () => {
    const digest = await registry.push('hello/web', '3');
    const image = `${registry.host}/hello/web@${digest}`;
    const app = await h.db.selectFrom('apps').select('id').where('slug', '=', 'hello').executeTakeFirstOrThrow();
    await insertRelease(h.db, {
      appId: app.id,
      version: '3.0.0',
      manifest: { services: [{ name: 'web', image, port: 8080, readiness: { path: '/healthz' } }], env: {} },
      artifactDigest: null,
    });
    const d = await h.seedDeployment({ status: 'running', serving_version: '2.0.0', previous_version: '3.0.0', active_slot: 'blue' });
    const input = (opId: string) => ({ operationId: opId, deploymentId: d.id, kind: 'rollback' as const });

    const first = await h.seedOperation(d, 'rollback', '3.0.0');
    await h.run(h.acts.claimOperation, { ...input(first.id), runId: 'run-1' });
    expect((await h.run(h.acts.loadDeploymentContext, input(first.id))).targetVersion).toBe('3.0.0');

    await client.remove(image);
    const err = await h.run(h.acts.loadDeploymentContext, input(first.id)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({
      type: 'ImageMissing',
      nonRetryable: true,
      message: expect.stringContaining(`image ${image} of service web`),
    });
    expect((await findOperation(h.db, first.id))?.status).toBe('running');
    // Nothing was started or stopped: the check runs before any revision exists.
    expect(await h.db.selectFrom('revisions').select('key').where('deployment_id', '=', d.id).execute()).toEqual([]);
  });
});
