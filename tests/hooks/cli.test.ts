import { signBody } from '../../domain/signature';
import { deployHello, helloRelease } from '../helpers/hello';
import { withStack } from '../helpers/withStack';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { runCli } from '../cli/runCli';

/** The CLI verbs of push to deploy, auto-update and subscriptions, as child processes against the real API. */
describe('slipway webhook | auto-update | subscriptions', () => {
  let s: SlipwayStack;
  let d: { id: string };
  const cli = (args: string[]) => runCli(args, { SLIPWAY_URL: s.apiUrl, SLIPWAY_TOKEN: s.adminToken });

  withStack(async (stack, admin) => {
    s = stack;
    expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1))).status).toBe(201);
    d = await deployHello(admin, { tenantId: 'acme', env: { GREETING: 'hi' } });
  });

  it('webhook secret rotate prints a secret that signs pushes; set --secret uses the one given', async () => {
    const r = await cli(['webhook', 'secret', 'rotate', 'hello']);
    expect(r.code).toBe(0);
    const secret = r.stdout.trim();
    expect(r.stderr).toContain('shown once');
    const raw = JSON.stringify({ version: '2.0.0', artifact: helloRelease(2).artifact });
    const push = await fetch(`${s.apiUrl}/api/apps/hello/webhooks/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slipway-delivery': 'cli-1', 'x-hub-signature-256': signBody(secret, raw) },
      body: raw,
    });
    expect(push.status).toBe(202);
    const chosen = await cli(['webhook', 'secret', 'set', 'hello', '--secret', 'a-secret-of-my-own-choosing']);
    expect([chosen.code, chosen.stdout.trim()]).toEqual([0, 'a-secret-of-my-own-choosing']);
    expect((await cli(['webhook', 'secret', 'spin', 'hello'])).code).toBe(2);
  });

  it('auto-update set, pause and resume', async () => {
    const set = await cli(['auto-update', 'set', d.id, '--auto-update', 'on', '--max-per-week', '3', '--auto-deploy', 'on']);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/auto-deploy\s+on/);
    expect(set.stdout).toMatch(/auto-update\s+on, at most 3 a week/);
    const paused = await cli(['auto-update', 'pause', d.id]);
    expect(paused.stdout).toMatch(/paused\s+\d{4}-\d\d-\d\d .*paused by admin:test-admin/);
    const resumed = await cli(['auto-update', 'resume', d.id]);
    expect(resumed.stdout).toMatch(/paused\s+no/);
    expect((await cli(['auto-update', 'set', d.id, '--auto-update', 'maybe'])).code).toBe(2);
  });

  it('subscriptions create, list, deliveries, delete', async () => {
    const created = await cli([
      'subscriptions',
      'create',
      'http://127.0.0.1:9/hook',
      '--event',
      'operation.started',
      '--event',
      'mass_upgrade.completed',
    ]);
    expect(created.code).toBe(0);
    const id = /id\s+(sub-\S+)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toMatch(/secret\s+\S{40,}/);
    const list = await cli(['subscriptions', 'list']);
    expect(list.stdout).toContain(id);
    expect(list.stdout).not.toMatch(/secret/i);
    const deliveries = await cli(['subscriptions', 'deliveries', id!]);
    expect(deliveries.stdout.split('\n')[0].split(/\s+/)).toEqual(['DELIVERY', 'EVENT', 'STATUS', 'ATTEMPTS', 'NEXT', 'CREATED']);
    expect((await cli(['subscriptions', 'delete', id!])).stdout.trim()).toBe(`deleted ${id}`);
    const gone = await cli(['subscriptions', 'deliveries', id!]);
    expect([gone.code, gone.stderr]).toEqual([1, expect.stringContaining('not found')]);
  });
});
