import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { requestHeadersForUpstream } from './forwardHeaders';
import { sendError } from './jsonReply';
import type { ProxyContext } from './proxyContext';
import { ResponseRelay } from './relayResponse';
import { requestBody } from './requestBody';
import type { LiveRoute, LiveUpstream } from './routeTable';
import { UpstreamAttempt } from './upstreamAttempt';
import { beginRequest, type RequestTracker } from './upstreamStats';
import { classifyEarlyError, UpstreamTimeoutError, upstreamPath } from './upstreamRequest';

/** Methods safe to send twice; only these are retried after a failed connect. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * Sends one client request to `first`, and if that upstream cannot be reached before
 * any byte went back to the client, once more to another healthy upstream (idempotent,
 * bodiless requests only). This is what keeps a replica's removal invisible when its
 * stop races a request that already picked it. undici itself never sends a request
 * twice here: a pool with pipelining 1 only re-queues requests no byte of which was
 * written, and its retry handler is not used.
 */
export function forward(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, route: LiveRoute, first: LiveUpstream): void {
  const withBody = hasBody(req);
  let retriesLeft = IDEMPOTENT.has(req.method ?? '') && !withBody ? 1 : 0;
  let current: { tracker: RequestTracker; attempt: UpstreamAttempt } | undefined;
  let settled = false; // the client is gone or already answered by us: ignore upstream events

  // 'close' fires once per response, whether it finished or the client's socket dropped:
  // the single place where the request stops being in flight.
  res.once('close', () => {
    current?.tracker.finish();
    if (!res.writableFinished) {
      settled = true;
      current?.attempt.cancel();
    }
  });
  // The client may abort while still sending its body; that must not become an unhandled error.
  req.on('error', () => current?.attempt.cancel());

  const max = ctx.limits.maxBodyBytes;
  // A chunked body that grows past the limit ends the upstream request and answers 413 (a
  // declared Content-Length over it was refused before any upstream was picked).
  const body: Readable | null = withBody
    ? requestBody(req, max, () => {
        settled = true;
        current?.attempt.cancel();
        current?.tracker.recordStatus(413);
        // The rest of the body is never read, so this connection cannot carry another request.
        sendError(res, 413, 'payload_too_large', `request body exceeds ${max} bytes`, { connection: 'close' });
      })
    : null;
  const headers = upstreamHeaders(req);

  const attempt = (upstream: LiveUpstream, deferDispatch = false): void => {
    const tracker = beginRequest(upstream.counters, route.latency);
    const relay = new ResponseRelay(req.method, res, () => handler.resume());
    const handler = new UpstreamAttempt(
      {
        headers(status, statusText, rawHeaders) {
          ctx.health.markHealthy(upstream.url.origin);
          tracker.recordStatus(status);
          if (!settled && !res.destroyed) relay.headers(status, statusText, rawHeaders);
        },
        data: (chunk) => settled || res.destroyed || relay.data(chunk),
        complete() {
          if (!settled) relay.complete();
        },
        error(err: NodeJS.ErrnoException, early, reusedSocket) {
          if (settled) return; // we tore it down ourselves; not the upstream's fault
          const kind = early && !relay.started ? classifyEarlyError(err, reusedSocket) : 'other';
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
              // Dispatched on the next turn: undici reports the failure before the failed
              // connection's pool slot is free again, and dispatching now would open one more
              // connection beside it.
              attempt(next, true);
              return;
            }
          }
          // Whatever the client still sends is read and dropped, so its connection stays usable.
          body?.destroy();
          const timedOut = err instanceof UpstreamTimeoutError && err.code === 'UPSTREAM_IDLE_TIMEOUT';
          tracker.recordStatus(timedOut ? 504 : 502);
          ctx.logger.warn({ err: err.message, deploymentId: route.spec.deploymentId, upstream: upstream.key }, 'upstream request failed');
          // An upstream that dies mid-body must not look like a complete response to the client.
          if (relay.started) res.destroy();
          else if (timedOut) sendError(res, 504, 'gateway_timeout', `upstream ${upstream.key} did not answer in time`);
          else sendError(res, 502, 'bad_gateway', `upstream ${upstream.key} did not answer`);
        },
      },
      ctx.limits.upstreamIdleTimeoutMs,
    );
    current = { tracker, attempt: handler };
    const options: Dispatcher.DispatchOptions = {
      path: upstreamPath(upstream.url, req.url),
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body,
    };
    // undici closes the connection after a HEAD by default (against servers that send a body anyway); Node's agent kept it.
    if (req.method === 'HEAD') options.reset = false;
    const dispatch = () => {
      if (!settled) ctx.pools.forOrigin(upstream.url.origin).dispatch(options, handler);
    };
    if (deferDispatch) setImmediate(dispatch);
    else dispatch();
  };

  if (!withBody) req.resume(); // nothing to read, but 'end' must still fire for keep-alive
  attempt(first);
}

function upstreamHeaders(req: IncomingMessage): IncomingHttpHeaders {
  const headers = requestHeadersForUpstream(req.headers, {
    remoteAddress: req.socket.remoteAddress,
    host: req.headers.host,
    proto: 'http',
  });
  // Node's server already answered the client's `Expect: 100-continue`, and undici refuses to send the header.
  delete headers.expect;
  return headers;
}

/** A stale socket may go back to the same upstream; an unreachable one goes to another healthy one. */
function pickRetry(ctx: ProxyContext, route: LiveRoute, failed: LiveUpstream, kind: 'unreachable' | 'stale'): LiveUpstream | null {
  return route.pick((u) => (kind === 'stale' || u !== failed) && ctx.health.isHealthy(u.url.origin));
}
