import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  AppView,
  DeploymentView,
  EnvSaved,
  ErrorBody,
  LogLineView,
  OperationStarted,
  OperationView,
  paged,
  ReleaseView,
  RolloutItemView,
  TokenCreated,
  TokenView,
} from './responseSchemas';
import {
  AppParams,
  CreateAppBody,
  CreateDeploymentBody,
  CreateReleaseBody,
  CreateTokenBody,
  DeploymentParams,
  DestroyBody,
  ListAppsQuery,
  ListDeploymentOperationsQuery,
  ListDeploymentsQuery,
  ListMassUpgradesQuery,
  ListOperationsQuery,
  ListReleasesQuery,
  ListRolloutItemsQuery,
  ListTokensQuery,
  OperationLogsQuery,
  OperationParams,
  PutEnvBody,
  TokenParams,
  TriggerHeader,
  UpgradeBody,
} from './schemas';
import { CancelBody, DryRunView, MassUpgradeParams, MassUpgradeQuery, MassUpgradeView } from './massUpgradeSchemas';
import { MassUpgradeOptions } from '../domain/massUpgrade/options';

/**
 * The one list of routes, documented at GET /docs as OpenAPI 3.1. A test fails when a route
 * is registered in Fastify but missing here, or listed here but never registered.
 */

type Access = 'public' | 'token' | 'admin';
interface RouteDoc {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  summary: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Starts an operation: reads X-Slipway-Trigger. */
  starts?: boolean;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

const started = { 202: { description: 'the operation was started; follow it at /api/operations/{id}', schema: OperationStarted } };
const lifecycle = (action: string, summary: string, extra: RouteDoc['responses'] = {}, body?: z.ZodType): RouteDoc => ({
  method: 'POST',
  path: `/api/deployments/:id/${action}`,
  summary,
  access: 'token',
  params: DeploymentParams,
  body,
  starts: true,
  responses: { ...started, 409: { description: 'illegal_transition, or operation_in_flight (naming it)' }, ...extra },
});

export const ROUTES: RouteDoc[] = [
  { method: 'GET', path: '/healthz', summary: 'Liveness', access: 'public', responses: { 200: { description: 'the process answers' } } },
  {
    method: 'GET',
    path: '/readyz',
    summary: 'Readiness: database and Temporal answer',
    access: 'public',
    responses: { 200: { description: 'ready' }, 503: { description: 'a dependency is unreachable' } },
  },
  {
    method: 'GET',
    path: '/docs',
    summary: 'This OpenAPI document',
    access: 'public',
    responses: { 200: { description: 'OpenAPI 3.1 JSON' } },
  },
  {
    method: 'GET',
    path: '/metrics',
    summary: 'Engine metrics, Prometheus text format 0.0.4 (aggregate counts only, no tenant names)',
    access: 'public',
    responses: { 200: { description: 'text/plain; version=0.0.4' } },
  },

  {
    method: 'POST',
    path: '/api/apps',
    summary: 'Create an app (catalog entry)',
    access: 'admin',
    body: CreateAppBody,
    responses: { 201: { description: 'created', schema: AppView }, 409: { description: 'app_exists' } },
  },
  {
    method: 'GET',
    path: '/api/apps',
    summary: 'List apps, by slug (paged)',
    access: 'token',
    query: ListAppsQuery,
    responses: { 200: { description: 'apps', schema: paged('apps', AppView) } },
  },
  {
    method: 'POST',
    path: '/api/apps/:slug/releases',
    summary: 'Publish an immutable release (snapshots the artifact directory)',
    access: 'admin',
    params: AppParams,
    body: CreateReleaseBody,
    responses: { 201: { description: 'created', schema: ReleaseView }, 409: { description: 'release_exists' } },
  },
  {
    method: 'GET',
    path: '/api/apps/:slug/releases',
    summary: 'List releases, newest first (paged)',
    access: 'token',
    params: AppParams,
    query: ListReleasesQuery,
    responses: { 200: { description: 'releases', schema: paged('releases', ReleaseView) } },
  },

  {
    method: 'POST',
    path: '/api/deployments',
    summary: 'Create a deployment and start its first deploy',
    access: 'token',
    body: CreateDeploymentBody,
    starts: true,
    responses: { ...started },
  },
  {
    method: 'GET',
    path: '/api/deployments',
    summary: 'List deployments, newest first, paged and filtered (a tenant sees only its own; naming another tenant is 403)',
    access: 'token',
    query: ListDeploymentsQuery,
    responses: {
      200: { description: 'deployments', schema: paged('deployments', DeploymentView) },
      403: { description: 'a tenant token named another tenant' },
    },
  },
  {
    method: 'GET',
    path: '/api/deployments/:id',
    summary: 'One deployment, with updateAvailable',
    access: 'token',
    params: DeploymentParams,
    responses: { 200: { description: 'the deployment', schema: DeploymentView } },
  },
  {
    method: 'GET',
    path: '/api/deployments/:id/operations',
    summary: "The deployment's operations, newest first (paged)",
    access: 'token',
    params: DeploymentParams,
    query: ListDeploymentOperationsQuery,
    responses: { 200: { description: 'operations', schema: paged('operations', OperationView) } },
  },
  {
    method: 'PUT',
    path: '/api/deployments/:id/env',
    summary: 'Set or unset tenant env values: new config revision, then a restart if something serves',
    access: 'token',
    params: DeploymentParams,
    body: PutEnvBody,
    responses: {
      202: { description: 'saved; restart (trigger env_change) started', schema: EnvSaved },
      200: { description: 'saved; applies at the next deploy/resume/retry', schema: EnvSaved },
      409: { description: 'operation_in_flight (nothing saved)' },
    },
  },
  lifecycle(
    'upgrade',
    'Move to a release (default: the newest active one)',
    { 409: { description: 'already_on_version, illegal_transition or operation_in_flight' } },
    UpgradeBody,
  ),
  lifecycle('retry', 'Re-run the latest failed operation with the same inputs', {
    409: { description: 'nothing_to_retry, illegal_transition or operation_in_flight' },
  }),
  lifecycle('rollback', 'Back to previousVersion'),
  lifecycle('restart', 'Restart the serving release with the current config revision'),
  lifecycle('suspend', 'Stop compute, keep data; the router answers "suspended"'),
  lifecycle('resume', 'Start a suspended deployment again'),
  ...(['promote', 'abort'] as const).map((action): RouteDoc => ({
    method: 'POST',
    path: `/api/deployments/:id/canary/${action}`,
    access: 'token',
    params: DeploymentParams,
    summary: action === 'promote' ? 'Promote the running canary to 100 % now' : 'Abort the running canary: all traffic back to stable',
    responses: {
      202: { description: 'signal delivered to the running operation', schema: z.object({ operation: OperationView, signal: z.string() }) },
      409: { description: 'no_canary_in_flight' },
    },
  })),
  lifecycle(
    'destroy',
    'Tear down (destructive); confirm must equal the deployment id',
    {
      200: {
        description: 'already destroyed: the teardown that did it; nothing started',
        schema: z.object({ operation: OperationView.nullable(), deployment: DeploymentView }),
      },
    },
    DestroyBody,
  ),

  {
    method: 'GET',
    path: '/api/operations',
    summary: 'Operations across deployments for on-call (e.g. ?status=failed&since=…), newest first, paged; a tenant sees only its own',
    access: 'token',
    query: ListOperationsQuery,
    responses: {
      200: { description: 'operations', schema: paged('operations', OperationView) },
      403: { description: 'a tenant token named another tenant' },
    },
  },
  {
    method: 'GET',
    path: '/api/operations/:id',
    summary: 'One operation: status, phase, timing, error, retryOf',
    access: 'token',
    params: OperationParams,
    responses: { 200: { description: 'the operation', schema: OperationView } },
  },
  {
    method: 'GET',
    path: '/api/operations/:id/logs',
    summary: 'Operation log; ?follow=1 streams server-sent events (event: log …, then event: end)',
    access: 'token',
    params: OperationParams,
    query: OperationLogsQuery,
    responses: {
      200: {
        description:
          'JSON { operationId, status, logs, nextCursor } in write order (paged, default 500 lines), or text/event-stream with follow',
        schema: paged('logs', LogLineView).extend({ operationId: z.string(), status: z.string() }),
      },
    },
  },

  {
    method: 'POST',
    path: '/api/admin/tokens',
    summary: 'Create an API token (the plain token is shown once)',
    access: 'admin',
    body: CreateTokenBody,
    responses: { 201: { description: 'created', schema: TokenCreated } },
  },
  {
    method: 'GET',
    path: '/api/admin/tokens',
    summary: 'List tokens in creation order (no hashes, no tokens; paged)',
    access: 'admin',
    query: ListTokensQuery,
    responses: { 200: { description: 'tokens', schema: paged('tokens', TokenView) } },
  },
  {
    method: 'DELETE',
    path: '/api/admin/tokens/:id',
    summary: 'Revoke a token (idempotent)',
    access: 'admin',
    params: TokenParams,
    responses: { 200: { description: 'the revoked token', schema: TokenView }, 409: { description: 'last_admin_token' } },
  },

  {
    method: 'POST',
    path: '/api/admin/mass-upgrades',
    summary: 'Start a fleet rollout of an app to a release in waves (dryRun: only show the plan)',
    access: 'admin',
    body: MassUpgradeOptions,
    responses: {
      200: { description: 'dryRun: the deployments that would move, per wave; nothing started', schema: DryRunView },
      202: { description: 'the rollout was started', schema: MassUpgradeView },
      409: { description: 'mass_upgrade_in_progress (another rollout of this app runs)' },
    },
  },
  {
    method: 'GET',
    path: '/api/admin/mass-upgrades',
    summary: 'Fleet rollouts, newest first (last progress snapshots; paged)',
    access: 'admin',
    query: ListMassUpgradesQuery,
    responses: { 200: { description: 'rollouts', schema: paged('massUpgrades', MassUpgradeView) } },
  },
  {
    method: 'GET',
    path: '/api/admin/mass-upgrades/:id/items',
    summary: "A rollout's deployments in plan order (wave, then place), with what the rollout did to each so far; paged",
    access: 'admin',
    params: MassUpgradeParams,
    query: ListRolloutItemsQuery,
    responses: { 200: { description: 'items', schema: paged('items', RolloutItemView).extend({ massUpgradeId: z.string() }) } },
  },
  {
    method: 'GET',
    path: '/api/admin/mass-upgrades/:id',
    summary: 'One rollout: status, counts by state, current wave, failures with reasons, halt reason; ?plan=1 adds the ids per wave',
    access: 'admin',
    params: MassUpgradeParams,
    query: MassUpgradeQuery,
    responses: { 200: { description: 'the rollout', schema: MassUpgradeView } },
  },
  {
    method: 'POST',
    path: '/api/admin/mass-upgrades/:id/pause',
    summary: 'No new upgrades start until resumed; running ones finish',
    access: 'admin',
    params: MassUpgradeParams,
    responses: { 202: { description: 'signalled', schema: MassUpgradeView }, 409: { description: 'mass_upgrade_finished' } },
  },
  {
    method: 'POST',
    path: '/api/admin/mass-upgrades/:id/resume',
    summary: 'Continue a paused rollout',
    access: 'admin',
    params: MassUpgradeParams,
    responses: { 202: { description: 'signalled', schema: MassUpgradeView }, 409: { description: 'mass_upgrade_finished' } },
  },
  {
    method: 'POST',
    path: '/api/admin/mass-upgrades/:id/cancel',
    summary: 'Stop starting upgrades; running ones finish, then the rollout ends as cancelled',
    access: 'admin',
    params: MassUpgradeParams,
    body: CancelBody,
    responses: { 202: { description: 'signalled', schema: MassUpgradeView }, 409: { description: 'mass_upgrade_finished' } },
  },
];

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** Shapes shown once under components.schemas and referenced everywhere else. */
const named = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries({
  Error: ErrorBody,
  Deployment: DeploymentView,
  Operation: OperationView,
  LogLine: LogLineView,
  Release: ReleaseView,
  App: AppView,
  Token: TokenView,
})) {
  named.add(schema, { id });
}

/** Filled by jsonSchema() while the document is built. */
let components: Record<string, unknown> = {};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const raw = z.toJSONSchema(schema, { io, unrepresentable: 'any', metadata: named });
  const {
    $schema: _drop,
    $defs,
    ...rest
  } = JSON.parse(JSON.stringify(raw).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<string, unknown>;
  Object.assign(components, $defs ?? {});
  return rest;
}

function parameters(schema: z.ZodObject | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || (s.required ?? []).includes(name),
    schema: prop,
  }));
}

function operation(r: RouteDoc) {
  const headers = [];
  if (r.method === 'POST' || r.method === 'PUT') {
    headers.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'repeat a request safely: the first answer is replayed (header Idempotent-Replayed: true); reused with another body → 422',
      schema: { type: 'string', minLength: 1, maxLength: 200 },
    });
  }
  if (r.starts)
    headers.push({
      name: 'X-Slipway-Trigger',
      in: 'header',
      required: false,
      description: 'recorded on the operation; default api (admin for admin tokens)',
      schema: jsonSchema(TriggerHeader, 'input'),
    });

  const responses: Record<string, unknown> = {};
  for (const [status, res] of Object.entries(r.responses)) {
    responses[status] = {
      description: res.description,
      ...(res.schema ? { content: { 'application/json': { schema: jsonSchema(res.schema, 'output') } } } : {}),
    };
  }
  const errors: Record<string, string> = {};
  if (r.params || r.query || r.body || r.starts) errors['400'] = 'bad input, with fields naming each problem';
  if (r.access !== 'public') errors['401'] = 'missing or invalid bearer token';
  if (r.access === 'admin') errors['403'] = 'needs an admin token';
  if (r.params) errors['404'] = "not found (another tenant's deployment is not found either)";
  if (r.method === 'POST' || r.method === 'PUT') errors['422'] = 'idempotency_key_reused';
  for (const [status, description] of Object.entries(errors)) {
    if (!responses[status]) responses[status] = { description, content: { 'application/json': { schema: ERROR_REF } } };
  }
  for (const status of Object.keys(responses)) {
    if (Number(status) >= 400) (responses[status] as Record<string, unknown>).content = { 'application/json': { schema: ERROR_REF } };
  }

  return {
    summary: r.summary,
    ...(r.access === 'public' ? { security: [] } : {}),
    ...(r.access === 'admin' ? { description: 'admin tokens only' } : {}),
    parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query'), ...headers],
    ...(r.body
      ? {
          requestBody: {
            required: !r.body.safeParse({}).success,
            content: { 'application/json': { schema: jsonSchema(r.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

/** Fastify's `/a/:id` as OpenAPI's `/a/{id}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');

export function openApiDocument() {
  components = {};
  jsonSchema(ErrorBody, 'output'); // registered: lands in components as Error
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) (paths[openApiPath(r.path)] ??= {})[r.method.toLowerCase()] = operation(r);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Slipway API',
      version: '0.1.0',
      description: 'Durable deploys for multi-tenant app platforms. Anything that starts a workflow answers 202 with the operation.',
    },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token: slw_adm_… (admin) or slw_tnt_… (tenant)' } },
      schemas: components,
    },
    paths,
  };
}

const registered = new WeakMap<FastifyInstance, { method: string; path: string }[]>();

/** Call before any route is added: remembers every route, so a test can hold them against ROUTES. */
export function trackRoutes(app: FastifyInstance): void {
  const list: { method: string; path: string }[] = [];
  registered.set(app, list);
  app.addHook('onRoute', (r) => {
    // Fastify adds HEAD for every GET by itself; those are not documented separately.
    for (const method of [r.method].flat()) if (method !== 'HEAD') list.push({ method, path: r.url });
  });
}

export function registeredRoutes(app: FastifyInstance): { method: string; path: string }[] {
  return [...(registered.get(app) ?? [])];
}
