import type { LatencyStats } from '../../ports/traffic';

/** Fixed bucket bounds: cheap to record (a short scan), mergeable, and the same in stats and /metrics. */
export const LATENCY_BUCKETS_MS: readonly number[] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/**
 * Time from request start to the end of the response, in milliseconds. `counts` has
 * one slot per bound plus one for slower than the last bound.
 */
export class LatencyHistogram {
  readonly counts: number[] = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  sumMs = 0;
  count = 0;

  observe(ms: number): void {
    const value = Math.max(0, ms);
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && value > LATENCY_BUCKETS_MS[i]) i++;
    this.counts[i] += 1;
    this.sumMs += value;
    this.count += 1;
  }

  snapshot(): LatencyStats {
    let cumulative = 0;
    const buckets = LATENCY_BUCKETS_MS.map((leMs, i) => {
      cumulative += this.counts[i];
      return { leMs, count: cumulative };
    });
    return {
      count: this.count,
      sumMs: round(this.sumMs),
      buckets,
      p50Ms: estimateQuantile(this.counts, 0.5),
      p99Ms: estimateQuantile(this.counts, 0.99),
    };
  }
}

/**
 * Prometheus's histogram_quantile: find the bucket holding the q-th observation and
 * interpolate linearly inside it. Past the last bound the answer is that bound (we do
 * not know how slow "slower" was). Null with no observations.
 */
export function estimateQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((n, c) => n + c, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    if (below + counts[i] >= rank && counts[i] > 0) {
      if (i === LATENCY_BUCKETS_MS.length) return LATENCY_BUCKETS_MS[i - 1];
      const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1];
      const upper = LATENCY_BUCKETS_MS[i];
      return round(lower + (upper - lower) * ((rank - below) / counts[i]));
    }
    below += counts[i];
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1];
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
