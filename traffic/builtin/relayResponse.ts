import type { IncomingMessage, ServerResponse } from 'node:http';
import { stripHopByHop } from './forwardHeaders';

/** Responses that never carry a body, so a Content-Length computed from what arrived would be wrong. */
function mayHaveBody(method: string | undefined, status: number): boolean {
  return method !== 'HEAD' && status >= 200 && status !== 204 && status !== 304;
}

/**
 * Sends the upstream's response to the client in as few writes as it can. Each write
 * is a syscall that wakes the client, and on loopback that syscall is most of a small
 * request's cost, so:
 * - a sized body streams as it comes (headers go out with its first chunk, one writev);
 * - a chunked body that has already arrived whole (the common small JSON reply of an app
 *   that calls writeHead then end) goes out sized, headers and body in one write, instead
 *   of headers, then the chunks, then the terminator;
 * - any other chunked body (SSE, long polls) shows its headers at once and then streams.
 * "Arrived whole" is decided in setImmediate: by then the socket read that delivered the
 * headers has been parsed to its end, so a small reply's body and end are in.
 */
export function relayResponse(req: IncomingMessage, res: ServerResponse, upstreamRes: IncomingMessage, status: number): void {
  const headers = stripHopByHop(upstreamRes.headers);
  if (upstreamRes.headers['content-length'] !== undefined || !mayHaveBody(req.method, status)) {
    res.writeHead(status, upstreamRes.statusMessage, headers);
    stream(upstreamRes, res);
    return;
  }
  const early: Buffer[] = [];
  let ended = false;
  const collect = (chunk: Buffer) => early.push(chunk);
  const onEnd = () => {
    ended = true;
  };
  upstreamRes.on('data', collect);
  upstreamRes.once('end', onEnd);
  setImmediate(() => {
    upstreamRes.off('data', collect);
    upstreamRes.off('end', onEnd);
    if (res.destroyed) return;
    if (ended) {
      const body = early.length === 1 ? early[0] : Buffer.concat(early);
      headers['content-length'] = body.length;
      res.writeHead(status, upstreamRes.statusMessage, headers);
      res.end(body);
      return;
    }
    res.writeHead(status, upstreamRes.statusMessage, headers);
    if (early.length === 0) res.flushHeaders();
    for (const chunk of early) res.write(chunk);
    stream(upstreamRes, res);
  });
}

/** `pipe` without its bookkeeping: backpressure both ways, and the end. Errors and cuts are the caller's listeners. */
function stream(upstreamRes: IncomingMessage, res: ServerResponse): void {
  upstreamRes.on('data', (chunk: Buffer) => {
    if (!res.write(chunk)) {
      upstreamRes.pause();
      res.once('drain', () => upstreamRes.resume());
    }
  });
  upstreamRes.once('end', () => res.end());
}
