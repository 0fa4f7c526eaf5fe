import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

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
export function stripHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  // Runs twice per proxied request: no Set or arrays unless the peer named headers in Connection.
  const named = headers.connection === undefined ? undefined : connectionTokens(String(headers.connection));
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || named?.has(name)) continue;
    out[name] = value;
  }
  return out;
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
export function requestHeadersForUpstream(headers: IncomingHttpHeaders, client: ClientInfo): OutgoingHttpHeaders {
  const out = stripHopByHop(headers);
  const prior = headers['x-forwarded-for'];
  const address = client.remoteAddress;
  if (typeof prior === 'string' && prior.length > 0) out['x-forwarded-for'] = address ? `${prior}, ${address}` : prior;
  else if (address) out['x-forwarded-for'] = address;
  if (client.host) out['x-forwarded-host'] = client.host;
  out['x-forwarded-proto'] = client.proto;
  return out;
}
