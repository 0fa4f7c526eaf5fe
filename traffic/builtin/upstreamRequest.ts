import type http from 'node:http';
import type { ClientRequest } from 'node:http';
import type { LiveUpstream } from './routeTable';

/** Errors the router raises itself on an upstream request, with codes the proxy branches on. */
export class UpstreamTimeoutError extends Error {
  constructor(
    readonly code: 'UPSTREAM_CONNECT_TIMEOUT' | 'UPSTREAM_IDLE_TIMEOUT',
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamTimeoutError';
  }
}

/** Errors meaning "no process is listening there", as opposed to "it answered badly" (undici's connect timeout included). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UPSTREAM_CONNECT_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** A connection closed under a request; undici reports the peer's FIN as UND_ERR_SOCKET ("other side closed"). */
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * Classifies an error that came before any response header:
 * - `unreachable`: the upstream refused, reset a fresh connection or never connected; it
 *   goes out of rotation for a cool-down and an idempotent request may go elsewhere;
 * - `stale`: a pooled keep-alive socket the upstream had already closed (the race the
 *   Node docs describe for `reusedSocket`, tracked for undici by UpstreamClient); the
 *   upstream is fine, just retry;
 * - `other`: anything else (timeouts after connect, protocol errors): answer 502/504.
 */
export function classifyEarlyError(err: NodeJS.ErrnoException, reusedSocket: boolean): 'unreachable' | 'stale' | 'other' {
  const code = err.code ?? '';
  if (UNREACHABLE.has(code)) return 'unreachable';
  if (RESET.has(code)) return reusedSocket ? 'stale' : 'unreachable';
  return 'other';
}

export function upstreamRequestOptions(
  upstream: LiveUpstream,
  method: string | undefined,
  requestUrl: string | undefined,
  headers: http.OutgoingHttpHeaders,
): http.RequestOptions {
  return {
    protocol: 'http:',
    hostname: upstream.url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: upstream.url.port || 80,
    method,
    path: upstreamPath(upstream.url, requestUrl),
    headers,
  };
}

/** `http.request`'s `timeout` is idle time, not connect time; this bounds the connect alone (upgrades; pools use undici's). */
export function armConnectTimeout(upstreamReq: ClientRequest, ms: number): void {
  if (ms <= 0) return;
  upstreamReq.once('socket', (socket) => {
    if (!socket.connecting) return; // a pooled, already-open socket
    const timer = setTimeout(
      () => upstreamReq.destroy(new UpstreamTimeoutError('UPSTREAM_CONNECT_TIMEOUT', `no connection within ${ms}ms`)),
      ms,
    );
    const clear = () => clearTimeout(timer);
    socket.once('connect', clear);
    socket.once('close', clear);
  });
}

/** Joins the upstream's base path (usually empty) with the request target, never trusting an absolute-form URL's host. */
export function upstreamPath(base: URL, requestUrl: string | undefined): string {
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
