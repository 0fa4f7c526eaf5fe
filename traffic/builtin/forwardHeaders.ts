import type { IncomingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1: these describe one connection and must not be forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Copies headers minus hop-by-hop ones, including any the peer named in `Connection`. */
export function stripHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  // Runs twice per proxied request: no Set or arrays unless the peer named headers in Connection.
  const named = headers.connection === undefined ? undefined : connectionTokens(String(headers.connection));
  const out: IncomingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || named?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * The same rule for an undici response's raw list (name, value, name, value, …), as the
 * flat array `writeHead` takes: names lower-cased as IncomingMessage had them, repeated
 * headers kept as separate lines.
 */
export function stripHopByHopRaw(raw: readonly Buffer[]): string[] {
  const out: string[] = [];
  let named: Set<string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toString('latin1').toLowerCase();
    const value = raw[i + 1].toString('latin1');
    // Usually `keep-alive` or `close`: dropped anyway, so the second pass below rarely runs.
    if (name === 'connection')
      for (const t of connectionTokens(value)) if (!HOP_BY_HOP.has(t) && t !== 'close') (named ??= new Set()).add(t);
    if (!HOP_BY_HOP.has(name)) out.push(name, value);
  }
  if (named === undefined) return out;
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) if (!named.has(out[i])) kept.push(out[i], out[i + 1]);
  return kept;
}

function connectionTokens(value: string): Set<string> {
  return new Set(
    value
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
}

export interface ClientInfo {
  remoteAddress: string | undefined;
  host: string | undefined;
  proto: 'http' | 'https';
}

/**
 * Headers for the upstream request. Host is kept as the client sent it (like
 * kamal-proxy) so apps build absolute URLs with their public name; the client
 * address is appended to any X-Forwarded-For chain already present.
 */
export function requestHeadersForUpstream(headers: IncomingHttpHeaders, client: ClientInfo): IncomingHttpHeaders {
  const out = stripHopByHop(headers);
  const prior = headers['x-forwarded-for'];
  const address = client.remoteAddress;
  if (typeof prior === 'string' && prior.length > 0) out['x-forwarded-for'] = address ? `${prior}, ${address}` : prior;
  else if (address) out['x-forwarded-for'] = address;
  if (client.host) out['x-forwarded-host'] = client.host;
  out['x-forwarded-proto'] = client.proto;
  return out;
}
