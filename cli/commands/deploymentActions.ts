import type { Command, OptionSpecs } from '../command';
import { UsageError } from '../errors';
import { START_DETAILS, START_OPTIONS, startOperation } from '../startOperation';

const STRATEGIES = ['blue_green', 'recreate', 'rolling', 'canary'];
const path = (id: string, action: string) => `/api/deployments/${encodeURIComponent(id)}/${action}`;

/** The operations that need nothing but the deployment id. */
const SIMPLE: { name: string; summary: string }[] = [
  { name: 'retry', summary: "re-run the deployment's failed operation with the same inputs" },
  { name: 'restart', summary: 'restart on the same release and config' },
  { name: 'suspend', summary: 'stop compute, keep data; the router answers "suspended"' },
  { name: 'resume', summary: 'start a suspended deployment again' },
  { name: 'cleanup', summary: 'end the rollback window now: stop the warm revisions' },
  { name: 'promote', summary: 'switch all traffic to the preview of an upgrade awaiting promotion' },
  { name: 'abort', summary: 'abort the preview of an upgrade awaiting promotion; the serving version stays' },
];

const simple = SIMPLE.map(({ name, summary }): Command => ({
  group: 'deployments',
  name,
  args: '<id> [--wait] [--idempotency-key K]',
  summary,
  details: START_DETAILS,
  options: START_OPTIONS,
  positionals: { min: 1, max: 1 },
  run: (ctx, [id], v) => startOperation(ctx, 'POST', path(id, name), {}, v),
}));

const rollback: Command = {
  group: 'deployments',
  name: 'rollback',
  args: '<id> [--force] [--wait] [--idempotency-key K]',
  summary: 'go back to the previous version',
  details: `--force goes back across an irreversible migration (refused otherwise).\n${START_DETAILS}`,
  options: { ...START_OPTIONS, force: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  run: (ctx, [id], v) => startOperation(ctx, 'POST', path(id, 'rollback'), v.force ? { force: true } : {}, v),
};

const upgrade: Command = {
  group: 'deployments',
  name: 'upgrade',
  args: '<id> [--version V] [--strategy S] [--manual [--preview-timeout SECONDS]] [--force] [--wait] [--idempotency-key K]',
  summary: 'move to a release (default: the latest) with its strategy or --strategy',
  details: [
    `Strategies: ${STRATEGIES.join(', ')}.`,
    '--manual starts the new revision at <id>--preview.<domain> and waits (default 24 h, then it aborts)',
    'for `slipway deployments promote <id>` (an instant switch) or `abort <id>`.',
    '--force goes to an older release across an irreversible migration (refused otherwise).',
    START_DETAILS,
  ].join('\n'),
  options: {
    ...START_OPTIONS,
    version: { type: 'string' },
    strategy: { type: 'string' },
    manual: { type: 'boolean' },
    'preview-timeout': { type: 'string' },
    force: { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  run(ctx, [id], v) {
    const timeout = v['preview-timeout'] === undefined ? undefined : Number(v['preview-timeout']);
    if (timeout !== undefined && !v.manual) throw new UsageError('--preview-timeout needs --manual');
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0))
      throw new UsageError('--preview-timeout takes a whole number of seconds');
    const body = {
      ...(v.version ? { version: v.version } : {}),
      ...(v.strategy ? { strategy: v.strategy } : {}),
      ...(v.manual ? { promotion: 'manual' } : {}),
      ...(timeout !== undefined ? { previewTimeoutSeconds: timeout } : {}),
      ...(v.force ? { force: true } : {}),
    };
    return startOperation(ctx, 'POST', path(id, 'upgrade'), body, v);
  },
};

const scale: Command = {
  group: 'deployments',
  name: 'scale',
  args: '<id> --replicas N [--wait] [--idempotency-key K]',
  summary: 'add or remove replicas of the serving revision (running ones are not replaced)',
  details: START_DETAILS,
  options: { ...START_OPTIONS, replicas: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  run(ctx, [id], v) {
    const replicas = Number(v.replicas);
    if (v.replicas === undefined || !Number.isInteger(replicas)) throw new UsageError('scale needs --replicas N (a whole number)');
    return startOperation(ctx, 'POST', path(id, 'scale'), { replicas }, v);
  },
};

const destroy: Command = {
  group: 'deployments',
  name: 'destroy',
  args: '<id> --confirm <id> [--wait] [--idempotency-key K]',
  summary: 'tear down compute, routes and env (the row stays, as destroyed)',
  details: `Destructive: --confirm must repeat the deployment id.\n${START_DETAILS}`,
  options: { ...START_OPTIONS, confirm: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  run(ctx, [id], v) {
    if (v.confirm === undefined) throw new UsageError(`destroy is destructive: repeat the id with --confirm ${id}`);
    if (v.confirm !== id) throw new UsageError(`--confirm ${String(v.confirm)} does not match ${id}`);
    return startOperation(ctx, 'POST', path(id, 'destroy'), { confirm: id }, v);
  },
};

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envOptions: OptionSpecs = { ...START_OPTIONS, unset: { type: 'string', multiple: true }, secret: { type: 'string', multiple: true } };

const env: Command = {
  group: 'deployments',
  name: 'env',
  args: '<id> [KEY=VALUE...] [--unset KEY]... [--secret KEY]... [--wait]',
  summary: 'change env vars: a new config revision and a restart',
  details: `--secret KEY marks a KEY=VALUE given here as secret (never shown by the API).\n${START_DETAILS}`,
  options: envOptions,
  positionals: { min: 1, max: Infinity },
  run(ctx, [id, ...pairs], v) {
    const values: Record<string, string> = {};
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      if (eq < 0 || !ENV_KEY.test(key)) throw new UsageError(`expected KEY=VALUE, got ${JSON.stringify(pair)}`);
      values[key] = pair.slice(eq + 1);
    }
    const unset = (v.unset as string[] | undefined) ?? [];
    const secret = (v.secret as string[] | undefined) ?? [];
    if (pairs.length === 0 && unset.length === 0) throw new UsageError('nothing to change: give KEY=VALUE pairs and/or --unset KEY');
    const notGiven = secret.filter((k) => !(k in values));
    if (notGiven.length > 0) throw new UsageError(`--secret names keys not set here: ${notGiven.join(', ')}`);
    const body = {
      ...(pairs.length ? { env: values } : {}),
      ...(unset.length ? { unset } : {}),
      ...(secret.length ? { secretEnv: secret } : {}),
    };
    return startOperation(ctx, 'PUT', `/api/deployments/${encodeURIComponent(id)}/env`, body, v);
  },
};

export const deploymentActionCommands: Command[] = [...simple, rollback, upgrade, scale, destroy, env];
