import type { UpstreamStats } from './trafficRouter';

/**
 * Live counters for one upstream. The object is shared by every route version that
 * keeps the upstream, so a weight change does not reset what a canary analysis or a
 * drain is watching.
 */
export class UpstreamCounters {
  requests = 0;
  errors5xx = 0;
  inFlight = 0;

  constructor(readonly key: string) {}

  snapshot(): UpstreamStats {
    return { key: this.key, requests: this.requests, errors5xx: this.errors5xx, inFlight: this.inFlight };
  }
}

/** Handle for one proxied request; `finish` is safe to call from every exit path. */
export interface RequestTracker {
  /** Records the status the client got (a 5xx counts once, even if reported twice). */
  recordStatus(status: number): void;
  /** Ends the request; only the first call changes `inFlight`. */
  finish(): void;
}

/**
 * Counts a request as started. The proxy calls `finish` from the response's 'close'
 * event, which fires both on completion and on a dropped socket; the guard makes
 * sure a request that hits both paths is subtracted exactly once, because a drain
 * waits for `inFlight` to reach 0 and a double decrement would end it early.
 */
export function beginRequest(counters: UpstreamCounters): RequestTracker {
  counters.requests += 1;
  counters.inFlight += 1;
  let finished = false;
  let counted5xx = false;
  return {
    recordStatus(status) {
      if (status >= 500 && !counted5xx) {
        counted5xx = true;
        counters.errors5xx += 1;
      }
    },
    finish() {
      if (finished) return;
      finished = true;
      counters.inFlight -= 1;
    },
  };
}
