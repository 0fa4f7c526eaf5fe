import { LatencyHistogram } from './latencyHistogram';
import type { UpstreamStats } from '../../ports/traffic';

/** `none`: the request ended without a status (client gone first, or an attempt that was retried elsewhere). */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'none'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

export function statusClass(status: number | undefined): StatusClass {
  if (status === undefined || status < 100 || status > 599) return 'none';
  return `${Math.floor(status / 100)}xx` as StatusClass;
}

/**
 * Live counters for one upstream. The object is shared by every route version that
 * keeps the upstream, so a weight change does not reset what a canary analysis or a
 * drain is watching.
 */
export class UpstreamCounters {
  requests = 0;
  /** Requests that ended with a status; counted together with errors5xx, so a rate over a window never exceeds 100 %. */
  finished = 0;
  errors5xx = 0;
  inFlight = 0;
  connectErrors = 0;
  /** Finished requests by the class of the status the client got. */
  readonly byClass: Record<StatusClass, number> = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0 };
  readonly latency = new LatencyHistogram();

  constructor(readonly key: string) {}

  snapshot(healthy?: boolean): UpstreamStats {
    return {
      key: this.key,
      requests: this.requests,
      finished: this.finished,
      errors5xx: this.errors5xx,
      inFlight: this.inFlight,
      connectErrors: this.connectErrors,
      ...(healthy === undefined ? {} : { healthy }),
      latency: this.latency.snapshot(),
    };
  }
}

/** Handle for one proxied request; `finish` is safe to call from every exit path. */
export interface RequestTracker {
  /** Records the status the client got; the last 5xx wins. Counted when the request finishes. */
  recordStatus(status: number): void;
  /** This attempt never reached the upstream; the request may go on elsewhere. */
  recordConnectError(): void;
  /** Ends the request; only the first call changes `inFlight`. Tunnels skip latency: their lifetime is not a response time. */
  finish(opts?: { observeLatency?: boolean }): void;
}

/**
 * Counts a request as started. The proxy calls `finish` from the response's 'close'
 * event, which fires both on completion and on a dropped socket; the guard makes
 * sure a request that hits both paths is subtracted exactly once, because a drain
 * waits for `inFlight` to reach 0 and a double decrement would end it early.
 * `routeLatency` is the deployment-wide histogram, kept across upstream changes.
 */
export function beginRequest(
  counters: UpstreamCounters,
  routeLatency?: LatencyHistogram,
  now: () => number = performance.now.bind(performance),
): RequestTracker {
  counters.requests += 1;
  counters.inFlight += 1;
  const started = now();
  let finished = false;
  let status: number | undefined;
  return {
    recordStatus(next) {
      if (finished) return;
      // A failure after the headers went out (e.g. 200 then a cut body) is what the client got in the end.
      if (status === undefined || next >= 500) status = next;
    },
    recordConnectError() {
      if (!finished) counters.connectErrors += 1;
    },
    finish(opts = {}) {
      if (finished) return;
      finished = true;
      counters.inFlight -= 1;
      counters.byClass[statusClass(status)] += 1;
      if (status !== undefined) {
        counters.finished += 1;
        if (status >= 500) counters.errors5xx += 1;
      }
      if (status !== undefined && opts.observeLatency !== false) {
        const ms = now() - started;
        counters.latency.observe(ms);
        routeLatency?.observe(ms);
      }
    },
  };
}
