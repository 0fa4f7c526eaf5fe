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
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
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
  const chain = [prior, client.remoteAddress].filter((v): v is string => typeof v === 'string' && v.length > 0);
  if (chain.length > 0) out['x-forwarded-for'] = chain.join(', ');
  if (client.host) out['x-forwarded-host'] = client.host;
  out['x-forwarded-proto'] = client.proto;
  return out;
}
