import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { requestHeadersForUpstream } from './forwardHeaders';
import { sendError } from './jsonReply';
import type { ProxyContext } from './proxyContext';
import { relayResponse } from './relayResponse';
import type { LiveRoute, LiveUpstream } from './routeTable';
import { beginRequest, type RequestTracker } from './upstreamStats';
import { armConnectTimeout, armIdleTimeout, classifyEarlyError, UpstreamTimeoutError, upstreamRequestOptions } from './upstreamRequest';

/** Methods safe to send twice; only these are retried after a failed connect. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * Sends one client request to `first`, and if that upstream cannot be reached before
 * any byte went back to the client, once more to another healthy upstream (idempotent,
 * bodiless requests only). This is what keeps a replica's removal invisible when its
 * stop races a request that already picked it.
 */
export function forward(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, route: LiveRoute, first: LiveUpstream): void {
  const withBody = hasBody(req);
  let retriesLeft = IDEMPOTENT.has(req.method ?? '') && !withBody ? 1 : 0;
  let current: { tracker: RequestTracker; upstreamReq: http.ClientRequest } | undefined;
  let settled = false; // the client is gone or already answered by us: ignore upstream errors

  // 'close' fires once per response, whether it finished or the client's socket dropped:
  // the single place where the request stops being in flight.
  res.once('close', () => {
    current?.tracker.finish();
    if (!res.writableFinished) {
      settled = true;
      current?.upstreamReq.destroy();
    }
  });
  // The client may abort while still sending its body; that must not become an unhandled error.
  req.on('error', () => current?.upstreamReq.destroy());

  const attempt = (upstream: LiveUpstream): void => {
    const tracker = beginRequest(upstream.counters, route.latency);
    const upstreamReq = http.request({
      ...upstreamRequestOptions(
        upstream,
        req.method,
        req.url,
        requestHeadersForUpstream(req.headers, { remoteAddress: req.socket.remoteAddress, host: req.headers.host, proto: 'http' }),
      ),
      agent: ctx.agents.forOrigin(upstream.url.origin),
    });
    current = { tracker, upstreamReq };
    let gotResponse = false;
    armConnectTimeout(upstreamReq, ctx.limits.connectTimeoutMs);
    armIdleTimeout(upstreamReq, ctx.limits.upstreamIdleTimeoutMs);

    upstreamReq.on('response', (upstreamRes) => {
      gotResponse = true;
      const status = upstreamRes.statusCode ?? 502;
      ctx.health.markHealthy(upstream.url.origin);
      tracker.recordStatus(status);
      upstreamRes.on('error', () => res.destroy());
      // An upstream that dies mid-body must not look like a complete response to the client.
      upstreamRes.on('close', () => {
        if (!upstreamRes.complete) res.destroy();
      });
      if (res.destroyed || settled) {
        upstreamRes.resume();
        return;
      }
      relayResponse(req, res, upstreamRes, status);
    });

    upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return; // we tore it down ourselves; not the upstream's fault
      const early = !gotResponse && !res.headersSent;
      const kind = early ? classifyEarlyError(err, upstreamReq.reusedSocket) : 'other';
      if (kind !== 'other') {
        tracker.recordConnectError();
        if (kind === 'unreachable') ctx.health.markFailed(upstream.url.origin);
        const next = retriesLeft > 0 ? pickRetry(ctx, route, upstream, kind) : null;
        if (next) {
          retriesLeft -= 1;
          tracker.finish();
          ctx.logger.debug(
            { err: err.message, deploymentId: route.spec.deploymentId, from: upstream.key, to: next.key },
            'retrying on another upstream',
          );
          attempt(next);
          return;
        }
      }
      const timedOut = err instanceof UpstreamTimeoutError && err.code === 'UPSTREAM_IDLE_TIMEOUT';
      const status = timedOut ? 504 : 502;
      tracker.recordStatus(status);
      ctx.logger.warn({ err: err.message, deploymentId: route.spec.deploymentId, upstream: upstream.key }, 'upstream request failed');
      if (res.headersSent) res.destroy();
      else if (timedOut) sendError(res, 504, 'gateway_timeout', `upstream ${upstream.key} did not answer in time`);
      else sendError(res, 502, 'bad_gateway', `upstream ${upstream.key} did not answer`);
    });

    if (!withBody) {
      upstreamReq.end();
      return;
    }
    sendBody(ctx, req, res, upstreamReq, tracker, () => {
      settled = true;
    });
  };

  if (!withBody) req.resume(); // nothing to read, but 'end' must still fire for keep-alive
  attempt(first);
}

/** A stale socket may go back to the same upstream; an unreachable one goes to another healthy one. */
function pickRetry(ctx: ProxyContext, route: LiveRoute, failed: LiveUpstream, kind: 'unreachable' | 'stale'): LiveUpstream | null {
  return route.pick((u) => (kind === 'stale' || u !== failed) && ctx.health.isHealthy(u.url.origin));
}

/**
 * Streams the client's body to the upstream, counting bytes: a chunked body that grows
 * past the limit aborts the upstream request and answers 413 (a declared Content-Length
 * over the limit was refused before any upstream was picked).
 */
function sendBody(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  upstreamReq: http.ClientRequest,
  tracker: RequestTracker,
  settle: () => void,
): void {
  const max = ctx.limits.maxBodyBytes;
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > max) {
      refused = true;
      settle();
      req.resume(); // discard the rest until the connection closes
      upstreamReq.destroy();
      tracker.recordStatus(413);
      // The rest of the body is never read, so this connection cannot carry another request.
      sendError(res, 413, 'payload_too_large', `request body exceeds ${max} bytes`, { connection: 'close' });
      return;
    }
    if (!upstreamReq.write(chunk)) {
      req.pause();
      upstreamReq.once('drain', () => req.resume());
    }
  });
  req.on('end', () => {
    if (!refused) upstreamReq.end();
  });
}
