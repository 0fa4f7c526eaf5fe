import type { LogLine, OperationView } from '../apiTypes';
import type { Command } from '../command';
import { followOperation, formatLogLine, outcomeLine } from '../follow';
import { duration, json, keyValues, timestamp } from '../format';
import { PAGE_ARGS, PAGE_OPTIONS, queryOf, readList } from '../paging';
import { operationsTable } from './deployments';

const OPERATION_FILTERS = { tenant: 'tenant', status: 'status', kind: 'kind', since: 'since', before: 'before' };

const list: Command = {
  group: 'operations',
  name: 'list',
  args: `[--status S] [--kind K] [--since T] [--before T] [--tenant T] ${PAGE_ARGS}`,
  summary: 'operations across deployments, newest first ("what failed in the last hour": --status failed --since …)',
  details: 'One page (default 50) unless --all; --json writes one operation per line (NDJSON). A tenant token sees its own only.',
  options: { ...Object.fromEntries(Object.keys(OPERATION_FILTERS).map((f) => [f, { type: 'string' } as const])), ...PAGE_OPTIONS },
  positionals: { min: 0, max: 0 },
  async run(ctx, _pos, v) {
    const ops = await readList<OperationView>(ctx, '/api/operations', queryOf(v, OPERATION_FILTERS), 'operations', v);
    if (v.json) return 0;
    ctx.out(ops.length === 0 ? 'no operations' : operationsTable(ops));
    return 0;
  },
};

const show: Command = {
  group: 'operations',
  name: 'show',
  args: '<id> [--json]',
  summary: 'status, phase, timing and error of one operation',
  options: { json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, [id], v) {
    const o = await ctx.client.get<OperationView>(`/api/operations/${encodeURIComponent(id)}`);
    if (v.json) {
      ctx.out(json(o));
      return 0;
    }
    ctx.out(
      keyValues([
        ['ID', o.id],
        ['DEPLOYMENT', o.deploymentId],
        ['KIND', o.kind],
        ['STATUS', o.status],
        ['PHASE', o.phase],
        ['FROM', o.fromVersion],
        ['TO', o.toVersion],
        ['STRATEGY', o.strategy],
        ['CONFIG REV', o.configRevision],
        ['TRIGGER', `${o.trigger} by ${o.actor}`],
        ['WORKFLOW', o.workflowId],
        ['CREATED', timestamp(o.createdAt)],
        ['STARTED', timestamp(o.startedAt)],
        ['FINISHED', timestamp(o.finishedAt)],
        ['TOOK', o.durationMs !== null ? duration(o.durationMs) : null],
        ['ERROR', o.error ? `${o.error.type}: ${o.error.message ?? ''}` : null],
      ]).trimEnd(),
    );
    return 0;
  },
};

const logs: Command = {
  group: 'operations',
  name: 'logs',
  args: '<id> [--follow]',
  summary: "an operation's log; --follow streams it until the operation ends",
  details: 'With --follow the exit code is 0 when the operation succeeds and 1 when it fails or is cancelled.',
  options: { follow: { type: 'boolean', short: 'f' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, [id], v) {
    const path = `/api/operations/${encodeURIComponent(id)}`;
    if (!v.follow) {
      // A log reads whole: every page, in write order.
      const lines = await readList<LogLine>(ctx, `${path}/logs`, new URLSearchParams(), 'logs', { all: true, json: v.json });
      if (v.json) return 0;
      if (lines.length === 0) ctx.out(`no log lines yet (operation is ${(await ctx.client.get<OperationView>(path)).status})`);
      else lines.forEach((l) => ctx.out(formatLogLine(l)));
      return 0;
    }
    const localStart = Date.now();
    const done = await followOperation(ctx.client, id, {
      onLog: (l) => ctx.out(v.json ? JSON.stringify(l) : formatLogLine(l)),
      onNotice: ctx.err,
    });
    const line = `operation ${done.id} ${outcomeLine(done, localStart)}`;
    if (done.status === 'succeeded') ctx.out(line);
    else ctx.err(line);
    return done.status === 'succeeded' ? 0 : 1;
  },
};

export const operationCommands: Command[] = [list, show, logs];
