import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { LoadRecords, STATUS_ERROR } from './loadRecords';

/**
 * A loopback HTTP load generator: `connections` keep-alive connections (one Agent with one
 * socket each, so the count is real), an optional target rate shared by all of them, and
 * one record per request (start time, latency, status or connection error, the hello-app
 * version that answered), so a caller can cut any time window afterwards: "during the
 * operation" is a window from the moment the API call went out to the moment it finished.
 *
 * Latency is measured from the moment the request is written, not from its scheduled
 * time: when the target rate cannot be met the report shows the achieved rate instead of
 * folding the backlog into latency (the table prints req/s next to p99 for that reason).
 */
export interface LoadOptions {
  port: number;
  /** Where to connect (default loopback): a revision's ClusterIP when hitting a kubernetes pod directly. */
  address?: string;
  /** Host header (the router routes by it); omit for a direct hit. */
  host?: string;
  path?: string;
  connections: number;
  /** Requests per second across all connections; 0 = as fast as the connections go. */
  ratePerSec: number;
  /** A request without a complete answer after this long counts as a connection error. */
  timeoutMs?: number;
  /** Stops by itself after this long, whatever the caller does. */
  maxDurationMs: number;
  /** Parse `{"version": …}` out of JSON answers (hello-app) to count versions. */
  parseVersion?: boolean;
}

export interface WindowReport {
  requests: number;
  seconds: number;
  ratePerSec: number;
  ok: number;
  non2xx: number;
  byStatus: Record<string, number>;
  connErrors: number;
  errorKinds: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  versions: Record<string, number>;
  /** From the start of the first failed request (non-2xx or error) to the end of the last one; 0 when none. */
  failureSpanMs: number;
}

export interface LoadGenerator {
  /** Milliseconds since the generator started (the clock of every record). */
  now(): number;
  /** Later requests carry this Host header. */
  retarget(host: string | undefined): void;
  window(fromMs: number, toMs: number): WindowReport;
  stop(): Promise<void>;
}

/** Falling further behind schedule than this resets the schedule instead of bursting to catch up. */
const MAX_BACKLOG_MS = 250;

export function startLoad(o: LoadOptions): LoadGenerator {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const records = new LoadRecords();
  let host = o.host;
  let running = true;
  const deadline = o.maxDurationMs;
  const interval = o.ratePerSec > 0 ? 1000 / o.ratePerSec : 0;
  let scheduleBase = 0;
  let ticket = 0;

  const nextDue = (): number => {
    if (interval === 0) return now();
    let due = scheduleBase + ticket * interval;
    if (now() - due > MAX_BACKLOG_MS) {
      scheduleBase = now();
      ticket = 0;
      due = scheduleBase;
    }
    ticket += 1;
    return due;
  };

  const once = (agent: http.Agent): Promise<void> =>
    new Promise((resolve) => {
      const start = now();
      let done = false;
      const finish = (code: number, body?: string, err?: string) => {
        if (done) return;
        done = true;
        records.add(start, now() - start, code, { body, err });
        resolve();
      };
      const headers: http.OutgoingHttpHeaders = host ? { host } : {};
      const req = http.request({ host: o.address ?? '127.0.0.1', port: o.port, path: o.path ?? '/', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish(res.statusCode ?? 0, o.parseVersion ? Buffer.concat(chunks).toString('utf8') : undefined));
        res.on('error', (err) => finish(STATUS_ERROR, undefined, (err as NodeJS.ErrnoException).code ?? err.message));
      });
      req.setTimeout(o.timeoutMs ?? 10_000, () => req.destroy(new Error('timeout')));
      req.on('error', (err) => finish(STATUS_ERROR, undefined, (err as NodeJS.ErrnoException).code ?? err.message));
      req.end();
    });

  const connection = async (): Promise<void> => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (running && now() < deadline) {
        const wait = nextDue() - now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        if (!running) break;
        await once(agent);
      }
    } finally {
      agent.destroy();
    }
  };
  const loops = Promise.all(Array.from({ length: o.connections }, () => connection()));

  return {
    now,
    retarget(h) {
      host = h;
    },
    window: (fromMs, toMs) => records.window(fromMs, toMs),
    async stop() {
      running = false;
      await loops;
    },
  };
}
