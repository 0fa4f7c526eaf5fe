import type { ServerResponse } from 'node:http';
import { stripHopByHopRaw } from './forwardHeaders';

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
 * "Arrived whole" is decided in setImmediate: by then undici has parsed the socket read
 * that delivered the headers to its end, so a small reply's body and end are in.
 * Backpressure: `data` returns false while the client is not keeping up, and
 * `resumeUpstream` is called once it drained.
 */
export class ResponseRelay {
  /** Collected while deciding whether a chunked body arrived whole; undefined once streaming. */
  private early: Buffer[] | undefined;
  private ended = false;
  private waitingForDrain = false;
  private readonly onDrain = () => {
    this.waitingForDrain = false;
    this.resumeUpstream();
  };

  constructor(
    private readonly method: string | undefined,
    private readonly res: ServerResponse,
    private readonly resumeUpstream: () => void,
  ) {}

  /** Whether anything was written to the client: past this an upstream failure can only cut it. */
  get started(): boolean {
    return this.res.headersSent || this.early !== undefined;
  }

  headers(status: number, statusText: string, rawHeaders: Buffer[]): void {
    const headers = stripHopByHopRaw(rawHeaders);
    const reason = statusText || undefined;
    if (hasContentLength(headers) || !mayHaveBody(this.method, status)) {
      this.res.writeHead(status, reason, headers);
      return;
    }
    this.early = [];
    setImmediate(() => this.flushEarly(status, reason, headers));
  }

  data(chunk: Buffer): boolean {
    if (this.early) {
      this.early.push(chunk);
      return true;
    }
    return this.write(chunk);
  }

  complete(): void {
    if (this.early) this.ended = true;
    else this.res.end();
  }

  private flushEarly(status: number, reason: string | undefined, headers: string[]): void {
    const early = this.early ?? [];
    this.early = undefined;
    if (this.res.destroyed || this.res.headersSent) return; // cut or answered meanwhile
    if (this.ended) {
      const body = early.length === 1 ? early[0] : Buffer.concat(early);
      headers.push('content-length', String(body.length));
      this.res.writeHead(status, reason, headers);
      this.res.end(body);
      return;
    }
    this.res.writeHead(status, reason, headers);
    if (early.length === 0) this.res.flushHeaders();
    for (const chunk of early) this.write(chunk);
  }

  private write(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      this.res.once('drain', this.onDrain);
    }
    return false;
  }
}

function hasContentLength(flat: string[]): boolean {
  for (let i = 0; i < flat.length; i += 2) if (flat[i] === 'content-length') return true;
  return false;
}
