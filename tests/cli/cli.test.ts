import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getFreePort } from '../../compute/local/freePort';
import { apiClient } from '../helpers/apiClient';
import { seedDeployments, seedOperations } from '../helpers/fleetSeed';
import { answer, deployHello, helloRelease, waitForOperation, type Api } from '../helpers/hello';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { runCli, STACK_LINE } from './runCli';

/** `node bin/slipway …` as a child process against the real API, Temporal, worker and router. */
describe('slipway CLI against a real Slipway', () => {
  let s: SlipwayStack;
  let admin: Api;
  let d: { id: string; hostname: string };
  let deployOp: string;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { SLIPWAY_URL: s.apiUrl, SLIPWAY_TOKEN: s.adminToken, ...env });

  beforeAll(async () => {
    s = await startSlipwayStack();
    admin = apiClient(s.apiUrl, s.adminToken);
    expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1))).status).toBe(201);
    d = await deployHello(admin, { tenantId: 'acme', env: { GREETING: 'hi from acme' } });
    deployOp = (await admin('GET', `/api/deployments/${d.id}/operations`)).body.operations[0].id;
  });
  afterAll(async () => {
    await s?.close();
  });

  it('lists deployments as an aligned table, and as JSON', async () => {
    const r = await cli(['deployments', 'list']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header.split(/\s+/)).toEqual(['ID', 'TENANT', 'APP', 'STATUS', 'SERVING', 'PREVIOUS', 'PROGRESS', 'UPDATED']);
    const row = rows.find((l) => l.startsWith(d.id));
    expect(row?.split(/\s+/).slice(0, 7)).toEqual([d.id, 'acme', 'hello', 'running', '1.0.0', '-', '100%']);
    // Columns line up: every row's STATUS starts where the header's does.
    expect(row?.indexOf('running')).toBe(header.indexOf('STATUS'));

    const j = await cli(['deployments', 'list', '--app', 'hello', '--status', 'running', '--json']);
    expect(j.code).toBe(0);
    // --json is NDJSON: one deployment per line, for scripts.
    expect(
      j.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual([d.id]);
    expect((await cli(['deployments', 'list', '--app', 'nope'])).stdout).toBe('no deployments\n');
  });

  it('shows one deployment with its recent operations', async () => {
    const r = await cli(['deployments', 'show', d.id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^STATUS\s+running \(100%\)$/m);
    expect(r.stdout).toMatch(/^SERVING\s+1\.0\.0$/m);
    expect(r.stdout).toMatch(/^TENANT\s+acme$/m);
    expect(r.stdout).toContain('RECENT OPERATIONS');
    expect(r.stdout).toMatch(new RegExp(`^${deployOp}\\s+deploy\\s+succeeded\\s`, 'm'));

    const j = JSON.parse((await cli(['deployments', 'show', d.id, '--json'])).stdout);
    expect(j.deployment).toMatchObject({ id: d.id, status: 'running' });
    expect(j.operations[0]).toMatchObject({ id: deployOp, kind: 'deploy' });
  });

  it('shows an operation and its log', async () => {
    const show = await cli(['operations', 'show', deployOp]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^STATUS\s+succeeded$/m);
    expect(show.stdout).toMatch(new RegExp(`^DEPLOYMENT\\s+${d.id}$`, 'm'));

    const logs = await cli(['operations', 'logs', deployOp]);
    expect(logs.code).toBe(0);
    for (const phase of ['fetchDeployment', 'resolveEnv', 'startRevision', 'awaitReady', 'switchTraffic'])
      expect(logs.stdout).toMatch(new RegExp(`Z\\s+${phase}\\s+info`));

    const followed = await cli(['operations', 'logs', deployOp, '--follow']);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(new RegExp(`^operation ${deployOp} succeeded in \\d+\\.\\ds$`, 'm'));
  });

  it('follows a failing operation to exit 1 with its reason', async () => {
    const created = await admin('POST', '/api/deployments', { app: 'hello', tenantId: 'acme', name: 'no-greeting' });
    expect(created.status).toBe(202);
    const r = await cli(['operations', 'logs', created.body.operation.id, '--follow']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed: MissingRequiredEnv: .*GREETING/);
  });

  it('restarts with --wait: one line per phase, then the outcome, exit 0', async () => {
    const r = await cli(['deployments', 'restart', d.id, '--wait']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^restart of ${d.id}: operation op-[a-z0-9]+ started$`));
    expect(lines).toContainEqual(expect.stringMatching(/^\[ {2}5%\] fetchDeployment {2}\S/));
    expect(lines.filter((l) => /^\[\s*\d+%\] /.test(l)).length).toBeGreaterThanOrEqual(3);
    expect(lines[lines.length - 1]).toMatch(/^succeeded in \d+\.\ds$/);
    expect((await answer(s, d.hostname)).json).toMatchObject({ greeting: 'hi from acme' });
  });

  it('changes env with --wait and the app answers with the new value', async () => {
    const r = await cli(['deployments', 'env', d.id, 'GREETING=hello from the cli', '--wait']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^succeeded in /m);
    expect((await answer(s, d.hostname)).json).toMatchObject({ greeting: 'hello from the cli' });
  });

  it('answers a repeated request with the same Idempotency-Key with the same operation', async () => {
    const first = await cli(['deployments', 'restart', d.id, '--idempotency-key', 'cli-test-key-1', '--json']);
    expect(first.code).toBe(0);
    const again = await cli(['deployments', 'restart', d.id, '--idempotency-key', 'cli-test-key-1', '--json']);
    expect(again.code).toBe(0);
    const id = JSON.parse(first.stdout).operation.id;
    expect(JSON.parse(again.stdout).operation.id).toBe(id);
    await waitForOperation(admin, id);
  });

  it('names the operation in flight on 409, with the follow hint', async () => {
    // A deploy that takes seconds to become ready is surely still in flight.
    const created = await admin('POST', '/api/deployments', {
      app: 'hello',
      tenantId: 'acme',
      name: 'slow-start',
      env: { GREETING: 'x', HELLO_START_DELAY_MS: '4000' },
    });
    expect(created.status).toBe(202);
    const { deployment, operation } = created.body;
    const r = await cli(['deployments', 'restart', deployment.id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`has an operation in flight (deploy ${operation.id})`);
    expect(r.stderr).toContain(`operation in flight: ${operation.id}\n  follow it: slipway operations logs ${operation.id} --follow`);
    expect(r.stderr).not.toMatch(STACK_LINE);
    await waitForOperation(admin, operation.id);
  });

  it('prints each field error of a 400', async () => {
    const r = await cli(['deployments', 'list', '--status', 'bogus']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^slipway: the request was refused:\n {2}query\.status: /);
  });

  it('says a missing deployment is not found, exit 1', async () => {
    const r = await cli(['deployments', 'show', 'd-nosuch0000']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe('slipway: deployment d-nosuch0000 not found\n');
  });

  it('explains an unreachable Slipway, exit 1, no stack trace', async () => {
    const url = `http://127.0.0.1:${await getFreePort()}`;
    const r = await cli(['deployments', 'list'], { SLIPWAY_URL: url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach Slipway at ${url}: is it running? Start it with \`npm start\` or set SLIPWAY_URL`);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('explains a refused or missing token', async () => {
    const bad = await cli(['deployments', 'list'], { SLIPWAY_TOKEN: 'slw_adm_forged' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('the token was refused: set SLIPWAY_TOKEN (an admin token is in');

    const none = await runCli(['deployments', 'list'], { SLIPWAY_URL: s.apiUrl });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no token: set SLIPWAY_TOKEN or pass --token');
  });

  it('reads the admin token file when no token is given', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-cli-'));
    try {
      await fs.writeFile(path.join(dir, 'admin-token'), `${s.adminToken}\n`, { mode: 0o600 });
      const r = await runCli(['deployments', 'list'], { SLIPWAY_URL: s.apiUrl, SLIPWAY_DATA_DIR: dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(d.id);
      // --token wins over the file.
      expect(
        (await runCli(['deployments', 'list', '--token', 'slw_adm_forged'], { SLIPWAY_URL: s.apiUrl, SLIPWAY_DATA_DIR: dir })).code,
      ).toBe(1);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('answers unknown commands and flags with usage and exit 2; help with exit 0', async () => {
    const unknown = await cli(['deploymnts', 'list']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^slipway: unknown command "deploymnts"\nUsage: slipway/);
    expect((await cli(['deployments', 'frobnicate'])).code).toBe(2);
    const flag = await cli(['deployments', 'list', '--colour']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('unknown flag --colour');
    expect(flag.stderr).toContain('Usage: slipway deployments list');

    const help = await cli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('.slipway/admin-token');
    const cmdHelp = await cli(['deployments', 'restart', '--help']);
    expect(cmdHelp.code).toBe(0);
    expect(cmdHelp.stdout).toMatch(/^Usage: slipway deployments restart <id>/);
  });

  // Last in the file: the seeded fleet would crowd the lists the tests above read.
  it('pages by itself: --limit shows one page and says more follow, --all reads them all, --json streams NDJSON', async () => {
    const appId = (await s.db.selectFrom('apps').select('id').where('slug', '=', 'hello').executeTakeFirstOrThrow()).id;
    await seedDeployments(s.db, { appId, count: 620, tenants: ['zeta'] });
    await seedOperations(s.db, {});

    const one = await cli(['deployments', 'list', '--tenant', 'zeta', '--limit', '7']);
    expect(one.code).toBe(0);
    expect(one.stdout.trimEnd().split('\n')).toHaveLength(8);
    expect(one.stderr).toMatch(/^more follow: add --all, or --cursor [A-Za-z0-9_-]+\n$/);
    const cursor = one.stderr.trim().split(' ').pop() as string;
    const next = await cli(['deployments', 'list', '--tenant', 'zeta', '--limit', '7', '--cursor', cursor, '--json']);
    const firstIds = one.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[0]);
    const nextIds = next.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).id);
    expect(nextIds).toHaveLength(7);
    expect(nextIds.filter((id: string) => firstIds.includes(id))).toEqual([]);

    const all = await cli(['deployments', 'list', '--tenant', 'zeta', '--all', '--json']);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    const lines = all.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(620);
    expect(new Set(lines.map((l) => l.id)).size).toBe(620);
    expect(lines.every((l) => l.tenantId === 'zeta')).toBe(true);

    const failed = await cli([
      'operations',
      'list',
      '--status',
      'failed',
      '--since',
      '2026-11-01T00:00:00Z',
      '--before',
      '2026-11-15T00:00:00Z',
      '--all',
      '--json',
    ]);
    expect(failed.code).toBe(0);
    const ops = failed.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ops).toHaveLength(155);
    expect(ops.every((o) => o.status === 'failed')).toBe(true);
    const table = await cli(['operations', 'list', '--status', 'failed', '--limit', '3']);
    expect(table.stdout.split('\n')[0].split(/\s+/).slice(0, 3)).toEqual(['ID', 'KIND', 'STATUS']);

    const bad = await cli(['deployments', 'list', '--limit', '900']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('query.limit');
    expect((await cli(['deployments', 'list', '--limit', 'many'])).code).toBe(2);
  });
});
