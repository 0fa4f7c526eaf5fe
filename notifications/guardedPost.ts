import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

type Verdict = { ok: true } | { ok: false; reason: string };

export class AddressRefused extends Error {
  override name = 'AddressRefused';
}

/**
 * A DNS lookup that refuses a name if any address it resolves to is refused. The check sits
 * in the connection itself, so a name cannot pass a check and then re-resolve elsewhere
 * (DNS rebinding).
 */
export function guardedLookup(mayReach: (address: string) => Verdict): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.map((a) => mayReach(a.address)).find((v) => !v.ok);
      if (refused && !refused.ok) return callback(new AddressRefused(`${hostname}: ${refused.reason}`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * POSTs a body and answers the status code. No redirects are followed (a 3xx is an answer),
 * and the body is read and dropped: receivers' replies are not ours to keep.
 */
export function postBody(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; mayReach?: (address: string) => Verdict },
): Promise<number> {
  const target = new URL(url);
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  if (opts.mayReach && /^[\d.]+$|:/.test(literal)) {
    // Node connects to an IP literal without a lookup, so the guard judges it here.
    const v = opts.mayReach(literal);
    if (!v.ok) return Promise.reject(new AddressRefused(v.reason));
  }
  const request = target.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
        lookup: opts.mayReach ? guardedLookup(opts.mayReach) : undefined,
        signal: AbortSignal.timeout(opts.timeoutMs),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
