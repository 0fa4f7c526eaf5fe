import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { forward, hasBody } from './forwardRequest';
import { hostHeaderCount, normalizeHost } from './hostname';
import { sendError } from './jsonReply';
import { SHED_RETRY_AFTER_SECONDS, type ShedReason } from './loadShedder';
import { NO_UPSTREAM_RETRY_AFTER_SECONDS, type ProxyContext } from './proxyContext';
import type { LiveRoute, LiveUpstream } from './routeTable';
import { proxyUpgrade, rejectUpgrade } from './upgradeProxy';

export { NO_UPSTREAM_RETRY_AFTER_SECONDS } from './proxyContext';

/**
 * Above the idle timeouts of common clients and load balancers (60 s), so the
 * router is never the side that closes an idle keep-alive connection under a client
 * that is about to reuse it.
 */
export const PROXY_KEEP_ALIVE_TIMEOUT_MS = 75_000;
/** A client gets this long to send its request headers (slowloris guard). */
export const PROXY_HEADERS_TIMEOUT_MS = 30_000;

const OVERLOADED_MESSAGE = 'the router is overloaded; retry shortly';

/** Why a request cannot be proxied: the status, `{ code, message }` and headers the client gets. */
type Refusal = { status: number; code: string; message: string; headers?: Record<string, string> };
type Resolved = { route: LiveRoute; upstream: LiveUpstream } | Refusal;

/**
 * The public listener. It reads the route table on every request and never writes
 * it, so an admin swap takes effect on the next request with no lock.
 */
export function createProxyServer(ctx: ProxyContext): http.Server {
  const refused = new WeakSet<Duplex>();
  const server = http.createServer(createProxyHandler(ctx, refused));
  server.on('connection', (socket: Duplex) => {
    if (!ctx.shedder.acceptConnection(socket)) refused.add(socket);
  });
  server.keepAliveTimeout = PROXY_KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = PROXY_HEADERS_TIMEOUT_MS;
  // A malformed request is the client's problem: answer 400 if we still can, never throw.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    // A timeout fires on connections with no request pending too (idle keep-alive, or a
    // lagging event loop); a 400 there reads as the answer to the client's next request.
    // Close cleanly instead, as nginx does on its header timeout.
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.end();
      return;
    }
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      if (refused.has(req.socket)) {
        ctx.shedder.refusedAtAccept();
        rejectUpgrade(
          socket,
          503,
          { code: 'router_overloaded', message: OVERLOADED_MESSAGE },
          { 'retry-after': String(SHED_RETRY_AFTER_SECONDS) },
        );
        return;
      }
      const target = resolve(ctx, req);
      if ('status' in target) {
        rejectUpgrade(socket, target.status, { code: target.code, message: target.message }, target.headers);
        return;
      }
      proxyUpgrade(ctx, req, socket, head, target.route, target.upstream);
    } catch (err) {
      ctx.logger.error({ err, url: req.url }, 'upgrade handler failed');
      socket.destroy();
    }
  });
  return server;
}

/** `refused`: connections the shedder turned down at accept; each request on one gets a 503 and the connection closes. */
export function createProxyHandler(ctx: ProxyContext, refused: WeakSet<Duplex>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    try {
      if (refused.has(req.socket)) {
        ctx.shedder.refusedAtAccept();
        refuseOverload(ctx, req, res, null, 'router_overloaded', true);
        return;
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > ctx.limits.maxBodyBytes) {
        // Refused before any upstream sees it; the unread body makes the connection unusable.
        sendError(res, 413, 'payload_too_large', `request body exceeds ${ctx.limits.maxBodyBytes} bytes`, { connection: 'close' });
        return;
      }
      const target = resolve(ctx, req);
      if ('status' in target) {
        sendError(res, target.status, target.code, target.message, target.headers);
        return;
      }
      const shed = ctx.shedder.check(routeInFlight(target.route));
      if (shed) {
        refuseOverload(ctx, req, res, target.route, shed);
        return;
      }
      ctx.shedder.admitted(res);
      forward(ctx, req, res, target.route, target.upstream);
    } catch (err) {
      ctx.logger.error({ err, url: req.url }, 'proxy handler failed');
      sendError(res, 500, 'internal', 'the router failed to handle this request');
    }
  };
}

function routeInFlight(route: LiveRoute): number {
  let n = 0;
  for (const c of route.counters.values()) n += c.inFlight;
  return n;
}

/** The fast refusal of an overloaded route or router: no upstream is contacted, the client retries after a second. */
function refuseOverload(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: LiveRoute | null,
  reason: ShedReason,
  closeConnection = false,
): void {
  const headers: Record<string, string> = { 'retry-after': String(SHED_RETRY_AFTER_SECONDS) };
  // An unread body would be taken for the next request; without one the connection stays usable.
  if (closeConnection || hasBody(req)) headers.connection = 'close';
  else req.resume();
  const message =
    reason === 'route_saturated' && route
      ? `deployment ${route.spec.deploymentId} has ${ctx.shedder.maxInFlightPerRoute} requests in flight; retry shortly`
      : OVERLOADED_MESSAGE;
  sendError(res, 503, reason, message, headers);
}

/** Host → route → a healthy upstream by weight, or the refusal the client should get. */
function resolve(ctx: ProxyContext, req: IncomingMessage): Resolved {
  if (hostHeaderCount(req.rawHeaders) > 1) return { status: 400, code: 'bad_host', message: 'send one Host header' };
  const route = ctx.table.matchHost(req.headers.host);
  if (!route) {
    const host = normalizeHost(req.headers.host) || '(no Host header)';
    return { status: 404, code: 'route_not_found', message: `no deployment is routed at ${host}` };
  }
  const suspended = route.spec.suspended;
  if (suspended) {
    return {
      status: 503,
      code: 'deployment_suspended',
      message: suspended.reason,
      headers: { 'retry-after': String(suspended.retryAfterSeconds) },
    };
  }
  const upstream = route.pick((u) => ctx.health.isHealthy(u.url.origin));
  if (!upstream) {
    // Weighted upstreams that all failed recently come back after the cool-down; none at all waits for a deploy.
    const anyWeighted = route.upstreams.some((u) => u.weight > 0);
    return {
      status: 503,
      code: 'no_healthy_upstream',
      message: anyWeighted
        ? `deployment ${route.spec.deploymentId} has no healthy upstream right now`
        : `deployment ${route.spec.deploymentId} has no upstream taking traffic`,
      headers: { 'retry-after': String(anyWeighted ? ctx.health.retryAfterSeconds : NO_UPSTREAM_RETRY_AFTER_SECONDS) },
    };
  }
  return { route, upstream };
}
