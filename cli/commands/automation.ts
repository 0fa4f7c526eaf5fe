import type { Command } from '../command';
import { UsageError } from '../errors';
import { json, keyValues, table, timestamp } from '../format';

/** Push to deploy, auto-update and event webhooks: `slipway webhook|auto-update|subscriptions …`. */

interface DeploymentAutomation {
  id: string;
  autoDeploy: boolean;
  autoUpdate: { enabled: boolean; maxPerWeek: number; pauseReason: string | null };
  autoUpdatePausedAt: string | null;
}

interface SubscriptionView {
  id: string;
  url: string;
  events: string[];
  tenantId: string | null;
  createdAt: string;
  secret?: string | null;
}

interface DeliveryView {
  id: string;
  type: string;
  status: string;
  attempts: { attempt: number; statusCode: number | null; error: string | null; at: string }[];
  nextAttemptAt: string | null;
  createdAt: string;
}

const dep = (id: string, rest: string) => `/api/deployments/${encodeURIComponent(id)}/${rest}`;
const onOff = (v: unknown, flag: string): boolean | undefined => {
  if (v === undefined) return undefined;
  if (v === 'on' || v === 'off') return v === 'on';
  throw new UsageError(`${flag} must be on or off`);
};

const automationLines = (d: DeploymentAutomation) =>
  keyValues([
    ['deployment', d.id],
    ['auto-deploy', d.autoDeploy ? 'on' : 'off'],
    ['auto-update', d.autoUpdate.enabled ? `on, at most ${d.autoUpdate.maxPerWeek} a week` : 'off'],
    ['paused', d.autoUpdatePausedAt ? `${timestamp(d.autoUpdatePausedAt)}: ${d.autoUpdate.pauseReason ?? ''}` : 'no'],
  ]);

const webhookSecret: Command = {
  group: 'webhook',
  name: 'secret',
  args: '<set|rotate> <app> [--secret S]',
  summary: "set or rotate the app's push-webhook secret; prints it once",
  details:
    'set --secret S uses the secret your Git host already signs with; rotate (or set without --secret) generates one.\n' +
    'The old secret stops working at once. Pushes go to POST /api/apps/<app>/webhooks/push, signed X-Hub-Signature-256.',
  options: { secret: { type: 'string' } },
  positionals: { min: 2, max: 2 },
  async run(ctx, [verb, app], v) {
    if (verb !== 'set' && verb !== 'rotate') throw new UsageError(`expected set or rotate, got ${JSON.stringify(verb)}`);
    if (verb === 'rotate' && v.secret !== undefined) throw new UsageError('rotate generates the secret; use set --secret S to choose one');
    const r = await ctx.client.send<{ secret: string; header: string }>(
      'POST',
      `/api/apps/${encodeURIComponent(app)}/webhook-secret`,
      v.secret !== undefined ? { secret: v.secret } : {},
    );
    ctx.out(r.secret);
    ctx.err(`shown once: give it to your Git host as the webhook secret (${r.header})`);
    return 0;
  },
};

const autoUpdateToggle = (name: 'pause' | 'resume', summary: string): Command => ({
  group: 'auto-update',
  name,
  args: '<deployment-id>',
  summary,
  options: {},
  positionals: { min: 1, max: 1 },
  async run(ctx, [id]) {
    ctx.out(automationLines(await ctx.client.send<DeploymentAutomation>('POST', dep(id, `auto-update/${name}`), {})));
    return 0;
  },
});

const autoUpdateSet: Command = {
  group: 'auto-update',
  name: 'set',
  args: '<deployment-id> [--auto-update on|off] [--max-per-week N] [--auto-deploy on|off]',
  summary: 'opt a deployment in or out of auto-update and push-to-deploy',
  options: { 'auto-update': { type: 'string' }, 'max-per-week': { type: 'string' }, 'auto-deploy': { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, [id], v) {
    const enabled = onOff(v['auto-update'], '--auto-update');
    const autoDeploy = onOff(v['auto-deploy'], '--auto-deploy');
    const max = v['max-per-week'] === undefined ? undefined : Number(v['max-per-week']);
    if (max !== undefined && !Number.isInteger(max)) throw new UsageError('--max-per-week must be a whole number');
    if (max !== undefined && enabled === undefined) throw new UsageError('--max-per-week goes with --auto-update on|off');
    if (enabled === undefined && autoDeploy === undefined)
      throw new UsageError('nothing to change: give --auto-update and/or --auto-deploy');
    const body = {
      ...(autoDeploy !== undefined ? { autoDeploy } : {}),
      ...(enabled !== undefined ? { autoUpdate: { enabled, ...(max !== undefined ? { maxPerWeek: max } : {}) } } : {}),
    };
    ctx.out(automationLines(await ctx.client.send<DeploymentAutomation>('PATCH', dep(id, 'automation'), body)));
    return 0;
  },
};

const subscriptionsCreate: Command = {
  group: 'subscriptions',
  name: 'create',
  args: '<url> --event E [--event E]...',
  summary: 'subscribe a URL to events; prints the signing secret once',
  details:
    'Events: operation.started, operation.phase, operation.succeeded, operation.failed, operation.awaiting_promotion,\n' +
    'and (admin tokens) mass_upgrade.started|paused|halted|cancelled|completed. Deliveries carry X-Slipway-Delivery\n' +
    'and X-Slipway-Signature-256: sha256=<hex HMAC-SHA256 of the body under the secret>.',
  options: { event: { type: 'string', multiple: true } },
  positionals: { min: 1, max: 1 },
  async run(ctx, [url], v) {
    const events = (v.event as string[] | undefined) ?? [];
    if (events.length === 0) throw new UsageError('name at least one --event');
    const s = await ctx.client.send<SubscriptionView>('POST', '/api/subscriptions', { url, events });
    ctx.out(
      keyValues([
        ['id', s.id],
        ['url', s.url],
        ['events', s.events.join(', ')],
        ['secret', s.secret],
      ]),
    );
    ctx.err('the secret is shown once: keep it where your receiver checks signatures');
    return 0;
  },
};

const subscriptionsList: Command = {
  group: 'subscriptions',
  name: 'list',
  args: '[--json]',
  summary: "your subscriptions (a tenant sees its own, an admin the admins')",
  options: { json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run(ctx, _p, v) {
    const subs = await ctx.client.get<SubscriptionView[]>('/api/subscriptions');
    ctx.out(
      v.json
        ? json(subs)
        : table(
            ['ID', 'URL', 'EVENTS', 'CREATED'],
            subs.map((s) => [s.id, s.url, s.events.join(','), timestamp(s.createdAt)]),
          ),
    );
    return 0;
  },
};

const subscriptionsDelete: Command = {
  group: 'subscriptions',
  name: 'delete',
  args: '<id>',
  summary: 'delete a subscription; its pending deliveries stop',
  options: {},
  positionals: { min: 1, max: 1 },
  async run(ctx, [id]) {
    await ctx.client.send('DELETE', `/api/subscriptions/${encodeURIComponent(id)}`, undefined);
    ctx.out(`deleted ${id}`);
    return 0;
  },
};

const subscriptionsDeliveries: Command = {
  group: 'subscriptions',
  name: 'deliveries',
  args: '<id> [--limit N] [--json]',
  summary: "a subscription's delivery log, newest first, with each attempt",
  options: { limit: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, [id], v) {
    const q = v.limit !== undefined ? `?limit=${encodeURIComponent(String(v.limit))}` : '';
    const rows = await ctx.client.get<DeliveryView[]>(`/api/subscriptions/${encodeURIComponent(id)}/deliveries${q}`);
    if (v.json) {
      ctx.out(json(rows));
      return 0;
    }
    const attempts = (d: DeliveryView) => d.attempts.map((a) => a.statusCode ?? 'err').join(' ') || '-';
    ctx.out(
      table(
        ['DELIVERY', 'EVENT', 'STATUS', 'ATTEMPTS', 'NEXT', 'CREATED'],
        rows.map((d) => [d.id, d.type, d.status, attempts(d), timestamp(d.nextAttemptAt), timestamp(d.createdAt)]),
      ),
    );
    return 0;
  },
};

export const automationCommands: Command[] = [
  webhookSecret,
  autoUpdateSet,
  autoUpdateToggle('pause', 'pause auto-update of a deployment'),
  autoUpdateToggle('resume', 'resume auto-update (clears a pause after a failed auto-update)'),
  subscriptionsCreate,
  subscriptionsList,
  subscriptionsDelete,
  subscriptionsDeliveries,
];
