import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { requestHeadersForUpstream, stripHopByHop } from './forwardHeaders';
import type { ProxyContext } from './proxyContext';
import type { LiveRoute, LiveUpstream } from './routeTable';
import { beginRequest } from './upstreamStats';
import { armConnectTimeout, classifyEarlyError, upstreamRequestOptions } from './upstreamRequest';

/**
 * WebSocket (any `Upgrade:`) passthrough: a fresh connection to the upstream with the
 * upgrade headers kept, and once the upstream answers 101 the two sockets are piped
 * raw. The tunnel counts as in flight on its upstream until either side closes, so a
 * drain waits for open WebSockets too (up to its cap).
 * It stays on node:http while plain requests use undici's pools: an upgraded socket never
 * returns to a pool, and `http.request` with no agent is already the one-socket-per-tunnel
 * client this needs, with the raw 101 head at hand.
 */
export function proxyUpgrade(
  ctx: ProxyContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  route: LiveRoute,
  upstream: LiveUpstream,
): void {
  const tracker = beginRequest(upstream.counters, route.latency);
  let tunnel: Duplex | undefined;
  const done = () => tracker.finish({ observeLatency: false });

  const headers = requestHeadersForUpstream(req.headers, {
    remoteAddress: req.socket.remoteAddress,
    host: req.headers.host,
    proto: 'http',
  });
  headers.connection = 'upgrade';
  headers.upgrade = req.headers.upgrade;
  // No pooled agent: an upgraded connection never goes back to a pool.
  const upstreamReq = http.request({ ...upstreamRequestOptions(upstream, req.method, req.url, headers), agent: false });
  armConnectTimeout(upstreamReq, ctx.limits.connectTimeoutMs);

  socket.on('error', () => socket.destroy());
  socket.once('close', () => {
    upstreamReq.destroy();
    tunnel?.destroy();
    ctx.tunnels.delete(socket);
    done();
  });

  upstreamReq.on('upgrade', (upstreamRes, upstreamSocket, upstreamHead) => {
    ctx.health.markHealthy(upstream.url.origin);
    tracker.recordStatus(upstreamRes.statusCode ?? 101);
    if (socket.destroyed) {
      upstreamSocket.destroy();
      return;
    }
    tunnel = upstreamSocket;
    ctx.tunnels.add(socket);
    upstreamSocket.on('error', () => upstreamSocket.destroy());
    upstreamSocket.once('close', () => socket.destroy());
    socket.write(rawHead(upstreamRes.statusCode ?? 101, upstreamRes.statusMessage, rawHeaderPairs(upstreamRes.rawHeaders)));
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    upstreamSocket.pipe(socket);
    socket.pipe(upstreamSocket);
  });

  // The upstream declined the upgrade (400, 426, …): pass its answer on and close.
  upstreamReq.on('response', (upstreamRes) => {
    const status = upstreamRes.statusCode ?? 502;
    tracker.recordStatus(status);
    const out = stripHopByHop(upstreamRes.headers);
    out.connection = 'close';
    socket.write(rawHead(status, upstreamRes.statusMessage, headerPairs(out)));
    upstreamRes.pipe(socket);
  });

  upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
    if (socket.destroyed) return;
    if (classifyEarlyError(err, false) === 'unreachable') {
      tracker.recordConnectError();
      ctx.health.markFailed(upstream.url.origin);
    }
    tracker.recordStatus(502);
    ctx.logger.warn({ err: err.message, deploymentId: route.spec.deploymentId, upstream: upstream.key }, 'upstream upgrade failed');
    if (tunnel) socket.destroy();
    else rejectUpgrade(socket, 502, { code: 'bad_gateway', message: `upstream ${upstream.key} did not answer` });
  });

  upstreamReq.end();
}

/** An HTTP answer written straight to the socket, for upgrade requests the router refuses itself. */
export function rejectUpgrade(
  socket: Duplex,
  status: number,
  body: { code: string; message: string },
  headers: OutgoingHttpHeaders = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = JSON.stringify(body);
  const all: OutgoingHttpHeaders = {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    connection: 'close',
  };
  socket.end(rawHead(status, http.STATUS_CODES[status], headerPairs(all)) + text);
}

function rawHead(status: number, message: string | undefined, pairs: [string, string][]): string {
  const lines = pairs.map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, '')}`);
  return [`HTTP/1.1 ${status} ${message ?? http.STATUS_CODES[status] ?? ''}`, ...lines, '', ''].join('\r\n');
}

function rawHeaderPairs(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]]);
  return pairs;
}

function headerPairs(headers: OutgoingHttpHeaders): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of [value].flat()) pairs.push([name, String(v)]);
  }
  return pairs;
}
