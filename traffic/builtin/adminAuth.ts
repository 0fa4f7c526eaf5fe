import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostHeaderCount, normalizeHost } from './hostname';

/** Names a browser or a local process uses for this machine; anything else came through DNS. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Paths a supervisor may poll without the secret; they reveal nothing about tenants. */
const OPEN_PATHS = new Set(['/healthz']);

export interface AdminRefusal {
  status: number;
  code: string;
  message: string;
}

/**
 * The admin API listens on loopback, but every local process (tenant apps included) can
 * reach loopback, and a web page can reach it through a DNS name that resolves to
 * 127.0.0.1. So a request must name a loopback Host and, outside /healthz, carry the
 * router's secret as a bearer token.
 */
export function refuseAdminRequest(req: IncomingMessage, pathname: string, secretDigest: Buffer): AdminRefusal | null {
  const hosts = hostHeaderCount(req.rawHeaders);
  if (hosts !== 1) return { status: 400, code: 'bad_host', message: hosts === 0 ? 'a Host header is required' : 'send one Host header' };
  const host = normalizeHost(req.headers.host);
  if (!LOOPBACK_HOSTS.has(host)) {
    return {
      status: 403,
      code: 'host_not_allowed',
      message: 'the router admin API answers only to a loopback Host (127.0.0.1, localhost, [::1])',
    };
  }
  if (OPEN_PATHS.has(pathname)) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m || !timingSafeEqual(digestSecret(m[1]), secretDigest)) {
    return { status: 401, code: 'unauthorized', message: 'send the router admin secret as "Authorization: Bearer <secret>"' };
  }
  return null;
}

/** Both sides are hashed first, so the comparison is constant-time whatever the lengths. */
export function digestSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
