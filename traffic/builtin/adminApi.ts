import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '../../ports/logger';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/prometheus';
import { digestSecret, refuseAdminRequest } from './adminAuth';
import { sendError, sendJson } from './jsonReply';
import { RouteSpecSchema, fieldErrors } from './routeSpecSchema';
import type { RouteStore } from './routeStore';
import type { ShedReason } from './loadShedder';
import { renderRouterMetrics } from './routerMetrics';
import { RouteConflictError, type RouteTable } from './routeTable';
import type { PassiveHealth } from './upstreamHealth';

/** Route specs are small; anything bigger is a mistake, not a route. */
export const MAX_ADMIN_BODY_BYTES = 1024 * 1024;

export interface AdminDeps {
  table: RouteTable;
  store: RouteStore;
  health: PassiveHealth;
  /** The load shedder's running counts, read at each scrape. */
  shed: Readonly<Record<ShedReason, number>>;
  logger: Logger;
  /** Bearer secret every request but /healthz must carry (src/secretFile.ts makes it). */
  secret: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: object = {},
  ) {
    super(message);
  }
}

/**
 * The loopback API the worker's activities drive, plus /metrics for a scraper on the
 * same host (both with the secret; see adminAuth.ts). Every change is saved before the answer goes out (group-committed with
 * concurrent changes), so an activity that saw 200 knows a router restart keeps it.
 */
export function createAdminServer(deps: AdminDeps): http.Server {
  if (deps.secret.length < 16) throw new Error('the router admin secret must be at least 16 characters');
  const secretDigest = digestSecret(deps.secret);
  return http.createServer((req, res) => {
    const refusal = refuseAdminRequest(req, new URL(req.url ?? '/', 'http://admin.invalid').pathname, secretDigest);
    if (refusal) {
      // The body is never read, so the connection cannot be reused.
      sendError(res, refusal.status, refusal.code, refusal.message, { connection: 'close' });
      return;
    }
    handle(deps, req, res).catch((err: unknown) => {
      if (err instanceof HttpError) {
        sendJson(res, err.status, { code: err.code, message: err.message, ...err.extra });
        return;
      }
      deps.logger.error({ err, method: req.method, url: req.url }, 'admin request failed');
      sendError(res, 500, 'internal', 'the router failed to handle this request');
    });
  });
}

async function handle({ table, store, health, shed, logger }: AdminDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { pathname } = new URL(req.url ?? '/', 'http://admin.invalid');
  const method = req.method ?? 'GET';

  if (pathname === '/healthz') {
    if (method !== 'GET') throw methodNotAllowed(method);
    sendJson(res, 200, { status: 'ok', routes: table.size });
    return;
  }
  if (pathname === '/metrics') {
    if (method !== 'GET') throw methodNotAllowed(method);
    const body = await renderRouterMetrics(table, health, shed);
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
    return;
  }
  if (pathname === '/routes') {
    if (method !== 'GET') throw methodNotAllowed(method);
    sendJson(res, 200, { routes: table.specs() });
    return;
  }

  const match = /^\/routes\/([^/]+)(\/stats)?$/.exec(pathname);
  if (!match) throw new HttpError(404, 'not_found', `no admin endpoint at ${pathname}`);
  const deploymentId = decodeSegment(match[1]);

  if (match[2]) {
    if (method !== 'GET') throw methodNotAllowed(method);
    const stats = table.stats(deploymentId, (u) => health.isHealthy(u.url.origin));
    if (!stats) throw routeNotFound(deploymentId);
    sendJson(res, 200, stats);
    return;
  }

  switch (method) {
    case 'GET': {
      const route = table.get(deploymentId);
      if (!route) throw routeNotFound(deploymentId);
      sendJson(res, 200, route.spec);
      return;
    }
    case 'PUT': {
      const parsed = RouteSpecSchema.safeParse(await readJson(req));
      if (!parsed.success) {
        const fields = fieldErrors(parsed.error);
        throw new HttpError(400, 'invalid_request', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
      }
      if (parsed.data.deploymentId !== deploymentId) {
        throw new HttpError(400, 'invalid_request', 'deploymentId: must match the deployment in the path', {
          fields: [{ field: 'deploymentId', message: 'must match the deployment in the path' }],
        });
      }
      let route;
      try {
        route = table.set(parsed.data);
      } catch (err) {
        if (err instanceof RouteConflictError) throw new HttpError(409, 'hostname_taken', err.message);
        throw err;
      }
      await store.save(() => table.specs());
      logger.info(
        { deploymentId, hostname: route.hostname, upstreams: route.spec.upstreams, suspended: !!route.spec.suspended },
        'route set',
      );
      sendJson(res, 200, route.spec);
      return;
    }
    case 'DELETE': {
      const removed = table.remove(deploymentId);
      // Saved even when already gone: a retried DELETE must not answer before the first one's write is durable.
      await store.save(() => table.specs());
      if (removed) logger.info({ deploymentId }, 'route removed');
      res.writeHead(204).end();
      return;
    }
    default:
      throw methodNotAllowed(method);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_ADMIN_BODY_BYTES) throw new HttpError(413, 'body_too_large', `body exceeds ${MAX_ADMIN_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'body must be a JSON RouteSpec');
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'invalid_request', 'deploymentId: malformed percent-encoding');
  }
}

function routeNotFound(deploymentId: string): HttpError {
  return new HttpError(404, 'route_not_found', `no route for deployment ${deploymentId}`);
}

function methodNotAllowed(method: string): HttpError {
  return new HttpError(405, 'method_not_allowed', `${method} is not supported here`);
}
