import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '../logger';
import { requestHeadersForUpstream, stripHopByHop } from './forwardHeaders';
import { normalizeHost } from './hostname';
import { sendError } from './jsonReply';
import type { LiveRoute, LiveUpstream, RouteTable } from './routeTable';
import type { UpstreamAgents } from './upstreamAgents';
import { beginRequest } from './upstreamStats';

/** Retry-After when a route has nothing to send traffic to: a deploy or restart is usually seconds away. */
export const NO_UPSTREAM_RETRY_AFTER_SECONDS = 5;

export interface ProxyDeps {
  table: RouteTable;
  agents: UpstreamAgents;
  logger: Logger;
}

/**
 * The public listener. It reads the route table on every request and never writes
 * it, so an admin swap takes effect on the next request with no lock.
 */
export function createProxyServer(deps: ProxyDeps): http.Server {
  const handle = createProxyHandler(deps);
  const server = http.createServer(handle);
  // A malformed request is the client's problem: answer 400 if we still can, never throw.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  return server;
}

export function createProxyHandler(deps: ProxyDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { table, logger } = deps;
  return (req, res) => {
    try {
      const route = table.matchHost(req.headers.host);
      if (!route) {
        const host = normalizeHost(req.headers.host) || '(no Host header)';
        sendError(res, 404, 'route_not_found', `no deployment is routed at ${host}`);
        return;
      }
      const suspended = route.spec.suspended;
      if (suspended) {
        sendError(res, 503, 'deployment_suspended', suspended.reason, {
          'retry-after': String(suspended.retryAfterSeconds),
        });
        return;
      }
      const upstream = route.pick();
      if (!upstream) {
        sendError(res, 503, 'no_healthy_upstream', `deployment ${route.spec.deploymentId} has no upstream taking traffic`, {
          'retry-after': String(NO_UPSTREAM_RETRY_AFTER_SECONDS),
        });
        return;
      }
      forward(deps, req, res, route, upstream);
    } catch (err) {
      logger.error({ err, url: req.url }, 'proxy handler failed');
      sendError(res, 500, 'internal', 'the router failed to handle this request');
    }
  };
}

function forward(deps: ProxyDeps, req: IncomingMessage, res: ServerResponse, route: LiveRoute, upstream: LiveUpstream): void {
  const { agents, logger } = deps;
  const tracker = beginRequest(upstream.counters);
  let clientGone = false;

  const upstreamReq = http.request({
    protocol: 'http:',
    hostname: upstream.url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: upstream.url.port || 80,
    method: req.method,
    path: upstreamPath(upstream.url, req.url),
    headers: requestHeadersForUpstream(req.headers, {
      remoteAddress: req.socket.remoteAddress,
      host: req.headers.host,
      proto: 'http',
    }),
    agent: agents.forOrigin(upstream.url.origin),
  });

  // 'close' fires once per response, whether it finished or the client's socket dropped:
  // the single place where the request stops being in flight.
  res.once('close', () => {
    tracker.finish();
    if (!res.writableFinished) {
      clientGone = true;
      upstreamReq.destroy();
    }
  });

  upstreamReq.on('response', (upstreamRes) => {
    const status = upstreamRes.statusCode ?? 502;
    tracker.recordStatus(status);
    upstreamRes.on('error', () => res.destroy());
    // An upstream that dies mid-body must not look like a complete response to the client.
    upstreamRes.on('close', () => {
      if (!upstreamRes.complete) res.destroy();
    });
    if (res.destroyed) {
      upstreamRes.resume();
      return;
    }
    res.writeHead(status, upstreamRes.statusMessage, stripHopByHop(upstreamRes.headers));
    res.flushHeaders(); // streaming responses (SSE, long polls) show their headers at once
    upstreamRes.pipe(res);
  });

  upstreamReq.on('error', (err) => {
    if (clientGone) return; // we tore it down ourselves; not the upstream's fault
    tracker.recordStatus(502);
    logger.warn(
      { err: err.message, deploymentId: route.spec.deploymentId, upstream: upstream.key },
      'upstream request failed',
    );
    if (res.headersSent) res.destroy();
    else sendError(res, 502, 'bad_gateway', `upstream ${upstream.key} did not answer`);
  });

  // The client may abort while still sending its body; that must not become an unhandled error.
  req.on('error', () => upstreamReq.destroy());
  req.pipe(upstreamReq);
}

/** Joins the upstream's base path (usually empty) with the request target, never trusting an absolute-form URL's host. */
function upstreamPath(base: URL, requestUrl: string | undefined): string {
  let target = requestUrl ?? '/';
  if (!target.startsWith('/')) {
    try {
      const u = new URL(target);
      target = u.pathname + u.search;
    } catch {
      target = '/';
    }
  }
  const prefix = base.pathname.replace(/\/+$/, '');
  return prefix + target;
}
