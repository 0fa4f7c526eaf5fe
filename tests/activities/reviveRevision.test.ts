import { ApplicationFailure } from '@temporalio/activity';
import { reviveRevision } from '../../activities/reviveRevision';
import { upsertTenantEnvVars } from '../../db/queries/envVars';
import { findRevision, upsertRevision } from '../../db/queries/revisions';
import type { Deployment } from '../../db/schema';
import { startHarnessWithHelloRelease, stopStartedAndClose, type ActivityHarness } from '../helpers/activityHarness';

/** In-process, with a real hello-app process: the revive of a recorded revision whose process is gone. */
describe('reviveRevision', () => {
  let h: ActivityHarness;
  const started: string[] = [];
  beforeAll(async () => {
    h = await startHarnessWithHelloRelease();
  });
  afterAll(() => stopStartedAndClose(h, started));

  const recordedServing = async (d: Deployment): Promise<string> => {
    const key = `${d.id}-blue-3.0.0-c1-op-gone`;
    await upsertRevision(h.db, {
      key,
      deployment_id: d.id,
      operation_id: 'op-gone',
      release_version: '3.0.0',
      config_revision: 1,
      slot: 'blue',
      url: 'http://127.0.0.1:9',
      status: 'serving',
    });
    return key;
  };

  it('starts it again under its key with the current env, waits until ready, and routes to it', async () => {
    const d = await h.seedDeployment({ status: 'running', release_version: '3.0.0', serving_version: '3.0.0', active_slot: 'blue' });
    await upsertTenantEnvVars(h.db, h.deps.secrets, d.id, { GREETING: 'back again' });
    const key = await recordedServing(d);
    const url = await reviveRevision(h.deps, key);
    started.push(key);

    const answer = (await (await fetch(url)).json()) as { version: string; greeting: string };
    expect(answer).toMatchObject({ version: '3.0.0', greeting: 'back again' });
    expect(await findRevision(h.db, key)).toMatchObject({ status: 'serving', url, stopped_at: null });
    expect(await h.deps.router.getRoute(d.id)).toMatchObject({ hostname: d.hostname, upstreams: [{ key, url, weight: 100 }] });
  });

  it('starts nothing when a required variable is missing, and says which', async () => {
    const d = await h.seedDeployment({ status: 'running', release_version: '3.0.0', serving_version: '3.0.0', active_slot: 'blue' });
    const key = await recordedServing(d);
    const err = await reviveRevision(h.deps, key).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'MissingRequiredEnv', nonRetryable: true });
    expect((err as Error).message).toContain('GREETING');
    expect(await h.deps.compute.status(key)).toBeNull();
    expect(await findRevision(h.db, key)).toMatchObject({ status: 'serving', url: 'http://127.0.0.1:9' });
  });
});
