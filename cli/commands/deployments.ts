import type { DeploymentView, OperationView } from '../apiTypes';
import type { Command } from '../command';
import { ago, duration, json, keyValues, table, timestamp } from '../format';
import { PAGE_ARGS, PAGE_OPTIONS, queryOf, readList } from '../paging';

/** How many recent operations `deployments show` lists. */
export const RECENT_OPERATIONS = 5;

/** `deployments list` flags → the API's filters. */
const DEPLOYMENT_FILTERS = {
  app: 'app',
  tenant: 'tenant',
  status: 'status',
  'serving-version': 'servingVersion',
  'update-available': 'updateAvailable',
  strategy: 'strategy',
  'created-after': 'createdAfter',
  'created-before': 'createdBefore',
  'updated-after': 'updatedAfter',
  'updated-before': 'updatedBefore',
};

const list: Command = {
  group: 'deployments',
  name: 'list',
  args: `[--app X] [--tenant T] [--status S] [--serving-version V] [--update-available] [--strategy S] [--created-after T] [--created-before T] [--updated-after T] [--updated-before T] ${PAGE_ARGS}`,
  summary: 'list deployments, newest first (a tenant token sees its own only)',
  details:
    'One page (default 50) unless --all; --json writes one deployment per line (NDJSON). Times are ISO 8601, e.g. 2026-12-01T09:00:00Z.',
  options: {
    ...Object.fromEntries(
      Object.keys(DEPLOYMENT_FILTERS).map((f) => [f, { type: f === 'update-available' ? 'boolean' : 'string' } as const]),
    ),
    ...PAGE_OPTIONS,
  },
  positionals: { min: 0, max: 0 },
  async run(ctx, _pos, v) {
    const deployments = await readList<DeploymentView>(ctx, '/api/deployments', queryOf(v, DEPLOYMENT_FILTERS), 'deployments', v);
    if (v.json) return 0;
    if (deployments.length === 0) {
      ctx.out('no deployments');
      return 0;
    }
    const rows = deployments.map((d) => [
      d.id,
      d.tenantId,
      d.app,
      d.status,
      d.servingVersion,
      d.previousVersion,
      `${d.progress}%`,
      ago(d.updatedAt),
    ]);
    ctx.out(table(['ID', 'TENANT', 'APP', 'STATUS', 'SERVING', 'PREVIOUS', 'PROGRESS', 'UPDATED'], rows));
    return 0;
  },
};

const show: Command = {
  group: 'deployments',
  name: 'show',
  args: '<id> [--json]',
  summary: `one deployment and its last ${RECENT_OPERATIONS} operations`,
  options: { json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, [id], v) {
    const path = `/api/deployments/${encodeURIComponent(id)}`;
    const d = await ctx.client.get<DeploymentView>(path);
    const ops = (await ctx.client.get<{ operations: OperationView[] }>(`${path}/operations?limit=${RECENT_OPERATIONS}`)).operations;
    if (v.json) {
      ctx.out(json({ deployment: d, operations: ops }));
      return 0;
    }
    ctx.out(formatDeployment(d));
    ctx.out('');
    if (ops.length === 0) ctx.out('no operations yet');
    else ctx.out(`RECENT OPERATIONS\n${operationsTable(ops)}`);
    return 0;
  },
};

export function formatDeployment(d: DeploymentView): string {
  return keyValues([
    ['ID', d.id],
    ['NAME', d.name],
    ['TENANT', d.tenantId],
    ['APP', d.app],
    ['STATUS', `${d.status} (${d.progress}%)`],
    ['RELEASE', d.releaseVersion],
    ['SERVING', d.servingVersion],
    ['PREVIOUS', d.previousVersion],
    [
      'UPDATE',
      d.updateAvailable
        ? `${d.updateAvailable.version} available: slipway deployments upgrade ${d.id} --version ${d.updateAvailable.version}`
        : null,
    ],
    ['STRATEGY', d.strategy],
    ['SLOT', d.activeSlot],
    ['CONFIG REV', d.configRevision],
    ['URL', d.url],
    [
      'PREVIEW',
      d.preview
        ? `${d.preview.url} until ${d.preview.expiresAt ? timestamp(d.preview.expiresAt) : '-'}: slipway deployments promote|abort ${d.id}`
        : null,
    ],
    ['REPLICAS', d.replicas],
    ['LAST ERROR', d.lastError],
    ['CREATED', timestamp(d.createdAt)],
    ['UPDATED', `${timestamp(d.updatedAt)} (${ago(d.updatedAt)})`],
  ]).trimEnd();
}

export function operationsTable(ops: OperationView[]): string {
  const rows = ops.map((o) => [
    o.id,
    o.kind,
    o.status,
    o.phase,
    o.fromVersion,
    o.toVersion,
    o.trigger,
    timestamp(o.createdAt),
    o.durationMs !== null ? duration(o.durationMs) : null,
    o.error ? `${o.error.type}: ${o.error.message ?? ''}` : null,
  ]);
  return table(['ID', 'KIND', 'STATUS', 'PHASE', 'FROM', 'TO', 'TRIGGER', 'CREATED', 'TOOK', 'ERROR'], rows).trimEnd();
}

export const deploymentQueryCommands: Command[] = [list, show];
