import { liveRevisions } from '../../db/queries/revisions';
import { apiClient, eventually } from '../helpers/apiClient';
import { answer, deployHello, helloRelease, type Api } from '../helpers/hello';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { runCli } from './runCli';

/** The CLI verbs of scale, manual promotion and cleanup, as a child process against the real stack. */
describe('slipway CLI: scale, upgrade --manual, promote, abort, cleanup, rollback --force', () => {
  let s: SlipwayStack;
  let admin: Api;
  const cli = (args: string[]) => runCli(args, { SLIPWAY_URL: s.apiUrl, SLIPWAY_TOKEN: s.adminToken });
  const live = async (id: string) => (await liveRevisions(s.db, id)).map((r) => `${r.release_version}:${r.status}`).sort();

  beforeAll(async () => {
    s = await startSlipwayStack();
    admin = apiClient(s.apiUrl, s.adminToken);
    expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
    for (const body of [helloRelease(1), helloRelease(2)]) expect((await admin('POST', '/api/apps/hello/releases', body)).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('scales, previews, promotes and cleans up', async () => {
    const d = await deployHello(admin, { tenantId: 'acme', version: '1.0.0', env: { GREETING: 'cli' } });

    const scaled = await cli(['deployments', 'scale', d.id, '--replicas', '2', '--wait']);
    expect(scaled.code).toBe(0);
    expect(scaled.stdout).toMatch(new RegExp(`scale of ${d.id}: operation op-\\w+ started`));
    expect(await live(d.id)).toEqual(['1.0.0:serving', '1.0.0:serving']);

    const upgrade = await cli(['deployments', 'upgrade', d.id, '--version', '2.0.0', '--manual', '--preview-timeout', '3600']);
    expect(upgrade.code).toBe(0);
    await eventually('awaiting_promotion', async () =>
      (await admin('GET', `/api/deployments/${d.id}`)).body.status === 'awaiting_promotion' ? true : undefined,
    );
    const shown = await cli(['deployments', 'show', d.id]);
    expect(shown.stdout).toMatch(/^STATUS\s+awaiting_promotion/m);
    expect(shown.stdout).toMatch(
      new RegExp(`^PREVIEW\\s+http://${d.id}--preview\\.\\S+ until .*: slipway deployments promote\\|abort ${d.id}$`, 'm'),
    );

    const promoted = await cli(['deployments', 'promote', d.id, '--wait']);
    expect(promoted.code).toBe(0);
    expect((await answer(s, d.hostname)).json.version).toBe('2.0.0');

    const cleaned = await cli(['deployments', 'cleanup', d.id, '--wait']);
    expect(cleaned.code).toBe(0);
    expect(await live(d.id)).toEqual(['2.0.0:serving', '2.0.0:serving']);

    const nothing = await cli(['deployments', 'abort', d.id]);
    expect(nothing.code).not.toBe(0);
    expect(nothing.stderr).toMatch(/not awaiting promotion/);
    expect((await cli(['deployments', 'scale', d.id])).stderr).toMatch(/--replicas N/);
    expect((await cli(['deployments', 'upgrade', d.id, '--preview-timeout', '5'])).stderr).toMatch(/needs --manual/);
    // 2.0.0 has no irreversible migration: --force is accepted and the rollback runs.
    const back = await cli(['deployments', 'rollback', d.id, '--force', '--wait']);
    expect(back.code).toBe(0);
    expect((await answer(s, d.hostname)).json.version).toBe('1.0.0');
  });
});
