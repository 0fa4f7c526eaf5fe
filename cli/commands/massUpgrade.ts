import { parseBudget } from '../../domain/massUpgrade/failureBudget';
import { FINISHED_STATUSES, progressLine, type MassUpgradeProgress } from '../../domain/massUpgrade/progress';
import { parseWaveList } from '../../domain/massUpgrade/waves';
import type { Command, CommandContext } from '../command';
import { UsageError } from '../errors';
import { json, keyValues, table, timestamp } from '../format';
import { PAGE_ARGS, PAGE_OPTIONS, queryOf, readList } from '../paging';

/** `slipway mass-upgrade …`: fleet rollouts over /api/admin/mass-upgrades (admin token). */

interface MassUpgradeView {
  id: string;
  app: string;
  targetVersion: string;
  status: string;
  haltReason: string | null;
  actor: string;
  progress: MassUpgradeProgress | null;
  createdAt: string;
  finishedAt: string | null;
}

interface DryRunView {
  app: string;
  targetVersion: string;
  total: number;
  waves: { wave: number; size: number; deployments: { id: string; tenantId: string; fromVersion: string; status: string }[] }[];
}

const POLL_MS = 1000;
const base = '/api/admin/mass-upgrades';
const path = (id: string, action = '') => `${base}/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const int = (v: unknown, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a number`);
  return n;
};

/** Re-draws one line on a terminal; elsewhere prints a line each time it changes. */
async function follow(ctx: CommandContext, id: string): Promise<number> {
  const tty = process.stdout.isTTY === true;
  let last = '';
  for (;;) {
    const m = await ctx.client.get<MassUpgradeView>(path(id));
    const line = m.progress ? progressLine(m.progress) : `${m.status}: waiting for the first progress report`;
    if (line !== last) {
      if (tty) process.stdout.write(`\r\x1b[K${line}`);
      else ctx.out(line);
      last = line;
    }
    if (FINISHED_STATUSES.has(m.status)) {
      if (tty) process.stdout.write('\n');
      for (const f of m.progress?.failures ?? []) ctx.err(`  failed: ${f.deploymentId} (${f.operationId}) ${f.errorType}: ${f.message}`);
      const outcome = `mass upgrade ${m.id} ${m.status}${m.haltReason ? `: ${m.haltReason}` : ''}`;
      if (m.status === 'completed') ctx.out(outcome);
      else ctx.err(outcome);
      return m.status === 'completed' ? 0 : 1;
    }
    await sleep(POLL_MS);
  }
}

const start: Command = {
  group: 'mass-upgrade',
  name: 'start',
  args: '--app A [--version V] [--dry-run] [--waves 1,10%,50%,100%] [--concurrency N] [--rate N] [--budget N|R%] [--bake S] [--tenant T]… [--from V]… [--resume-suspended] [--rollback-failed] [--pause-between-waves] [--follow]',
  summary: 'move every deployment of an app to a release in waves (admin)',
  details: [
    '--waves        cumulative wave sizes: counts or percentages (default 1,10%,50%,100%)',
    '--concurrency  upgrades in flight at most (default 5)',
    '--rate         upgrades started per minute at most (default: no limit)',
    '--budget       failures tolerated: a count (2) or a share of the fleet (5%); one more halts (default 0)',
    '--bake         seconds to wait after each wave before the next',
    '--dry-run      list which deployments would move, in which wave; start nothing',
    '--follow       show a live progress line until the rollout ends (exit 1 unless it completed)',
  ].join('\n'),
  options: {
    app: { type: 'string' },
    version: { type: 'string' },
    'dry-run': { type: 'boolean' },
    waves: { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    budget: { type: 'string' },
    bake: { type: 'string' },
    tenant: { type: 'string', multiple: true },
    from: { type: 'string', multiple: true },
    'resume-suspended': { type: 'boolean' },
    'rollback-failed': { type: 'boolean' },
    'pause-between-waves': { type: 'boolean' },
    follow: { type: 'boolean', short: 'f' },
    json: { type: 'boolean' },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx, _p, v) {
    if (typeof v.app !== 'string') throw new UsageError('--app is required');
    const budget = v.budget !== undefined ? parseBudget(String(v.budget)) : undefined;
    if (budget === null) throw new UsageError('--budget is a count like 2 or a percentage like 5%');
    const body = {
      app: v.app,
      ...(v.version ? { targetVersion: v.version } : {}),
      ...(v.waves ? { waves: parseWaveList(String(v.waves)) } : {}),
      ...(v.concurrency !== undefined ? { maxConcurrency: int(v.concurrency, '--concurrency') } : {}),
      ...(v.rate !== undefined ? { ratePerMinute: int(v.rate, '--rate') } : {}),
      ...(budget ? { failureBudget: budget } : {}),
      ...(v.bake !== undefined ? { bakeSeconds: int(v.bake, '--bake') } : {}),
      ...(v.tenant ? { tenants: v.tenant } : {}),
      ...(v.from ? { fromVersions: v.from } : {}),
      ...(v['resume-suspended'] ? { suspended: 'resume' } : {}),
      ...(v['rollback-failed'] ? { rollbackFailed: true } : {}),
      ...(v['pause-between-waves'] ? { pauseBetweenWaves: true } : {}),
      dryRun: v['dry-run'] === true,
    };
    if (body.dryRun) {
      const plan = await ctx.client.send<DryRunView>('POST', base, body);
      if (v.json) {
        ctx.out(json(plan));
        return 0;
      }
      ctx.out(`dry run: ${plan.total} deployment(s) of ${plan.app} would move to ${plan.targetVersion}; nothing was started`);
      const rows = plan.waves.flatMap((w) => w.deployments.map((d) => [w.wave, d.id, d.tenantId, d.fromVersion, d.status]));
      if (rows.length > 0) ctx.out(table(['WAVE', 'DEPLOYMENT', 'TENANT', 'FROM', 'STATUS'], rows).trimEnd());
      return 0;
    }
    const m = await ctx.client.send<MassUpgradeView & { progress: MassUpgradeProgress | null }>('POST', base, body);
    if (v.json && !v.follow) {
      ctx.out(json(m));
      return 0;
    }
    ctx.out(`mass upgrade ${m.id} started: ${m.app} → ${m.targetVersion}`);
    if (!v.follow) {
      ctx.out(`  follow it: slipway mass-upgrade status ${m.id} --follow`);
      return 0;
    }
    return follow(ctx, m.id);
  },
};

const status: Command = {
  group: 'mass-upgrade',
  name: 'status',
  args: '<id> [--follow] [--json]',
  summary: 'counts by state, current wave, failures with reasons; --follow shows a live progress line',
  options: { follow: { type: 'boolean', short: 'f' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, [id], v) {
    if (v.follow) return follow(ctx, id);
    const m = await ctx.client.get<MassUpgradeView>(path(id));
    if (v.json) {
      ctx.out(json(m));
      return 0;
    }
    const p = m.progress;
    ctx.out(
      keyValues([
        ['ID', m.id],
        ['APP', m.app],
        ['TARGET', m.targetVersion],
        ['STATUS', m.status],
        ['HALT REASON', m.haltReason],
        ['PROGRESS', p ? progressLine(p) : null],
        [
          'COUNTS',
          p
            ? Object.entries(p.counts)
                .map(([k, n]) => `${k} ${n}`)
                .join(', ')
            : null,
        ],
        ['BY', m.actor],
        ['CREATED', timestamp(m.createdAt)],
        ['FINISHED', timestamp(m.finishedAt)],
      ]).trimEnd(),
    );
    for (const f of p?.failures ?? []) ctx.out(`  failed: ${f.deploymentId} (${f.operationId}) ${f.errorType}: ${f.message}`);
    return 0;
  },
};

const list: Command = {
  group: 'mass-upgrade',
  name: 'list',
  args: `[--app X] [--status S] ${PAGE_ARGS}`,
  summary: 'fleet rollouts, newest first (--json: one per line)',
  options: { app: { type: 'string' }, status: { type: 'string' }, ...PAGE_OPTIONS },
  positionals: { min: 0, max: 0 },
  async run(ctx, _p, v) {
    const massUpgrades = await readList<MassUpgradeView>(ctx, base, queryOf(v, { app: 'app', status: 'status' }), 'massUpgrades', v);
    if (v.json) return 0;
    ctx.out(
      table(
        ['ID', 'APP', 'TARGET', 'STATUS', 'PROGRESS', 'CREATED'],
        massUpgrades.map((m) => [
          m.id,
          m.app,
          m.targetVersion,
          m.status,
          m.progress ? progressLine(m.progress, 10) : null,
          timestamp(m.createdAt),
        ]),
      ).trimEnd(),
    );
    return 0;
  },
};

const steer = (name: 'pause' | 'resume' | 'cancel', summary: string): Command => ({
  group: 'mass-upgrade',
  name,
  args: '<id>',
  summary,
  options: {},
  positionals: { min: 1, max: 1 },
  async run(ctx, [id]) {
    const m = await ctx.client.send<MassUpgradeView>('POST', path(id, name), {});
    ctx.out(`mass upgrade ${m.id}: ${name} sent (status now ${m.status})`);
    return 0;
  },
});

export const massUpgradeCommands: Command[] = [
  start,
  status,
  list,
  steer('pause', 'no new upgrades start until resumed; running ones finish'),
  steer('resume', 'continue a paused rollout'),
  steer('cancel', 'stop starting upgrades; running ones finish, then the rollout ends as cancelled'),
];
