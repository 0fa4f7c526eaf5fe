import type { LogLine, OperationView } from '../apiTypes';
import type { Command } from '../command';
import { followOperation, formatLogLine, outcomeLine } from '../follow';
import { duration, json, keyValues, timestamp } from '../format';

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
      const body = await ctx.client.get<{ status: string; logs: LogLine[] }>(`${path}/logs`);
      if (v.json) ctx.out(json(body));
      else if (body.logs.length === 0) ctx.out(`no log lines yet (operation is ${body.status})`);
      else body.logs.forEach((l) => ctx.out(formatLogLine(l)));
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

export const operationCommands: Command[] = [show, logs];
