/**
 * Traffic arithmetic of the canary and rolling strategies: pure, and free of zod, because
 * workflow code imports it and every workflow the worker creates evaluates its bundle's
 * modules again (zod's schemas were most of that cost in the fleet profile, BENCHMARKS.md).
 */

export interface Counters {
  requests: number;
  errors5xx: number;
}

export type CanaryVerdict =
  | { action: 'continue'; canaryRate: number; stableRate: number; reason: string }
  | { action: 'abort'; canaryRate: number; stableRate: number; reason: string };

const rate = (c: Counters) => (c.requests === 0 ? 0 : c.errors5xx / c.requests);
const pct = (r: number) => `${(r * 100).toFixed(1)}%`;

/**
 * Judges one step from router counter deltas. The canary is compared with the stable
 * revision over the same window, so a backend outage that hits both does not blame the
 * canary; too few canary requests are not evidence either way.
 */
export function canaryVerdict(canary: Counters, stable: Counters, o: { maxErrorRate: number; minRequests: number }): CanaryVerdict {
  const canaryRate = rate(canary);
  const stableRate = rate(stable);
  if (canary.requests < o.minRequests) {
    return {
      action: 'continue',
      canaryRate,
      stableRate,
      reason: `${canary.requests} canary request(s), fewer than ${o.minRequests}: not enough to judge`,
    };
  }
  if (canaryRate - stableRate > o.maxErrorRate) {
    return {
      action: 'abort',
      canaryRate,
      stableRate,
      reason: `canary 5xx rate ${pct(canaryRate)} vs stable ${pct(stableRate)} exceeds the allowed ${pct(o.maxErrorRate)} margin (${canary.errors5xx}/${canary.requests} requests)`,
    };
  }
  return { action: 'continue', canaryRate, stableRate, reason: `canary 5xx rate ${pct(canaryRate)} vs stable ${pct(stableRate)}` };
}

export function counterDelta(before: Counters, after: Counters): Counters {
  return { requests: Math.max(0, after.requests - before.requests), errors5xx: Math.max(0, after.errors5xx - before.errors5xx) };
}

export interface WeightedKey {
  key: string;
  weight: number;
}

/** Integer weights so the canary set gets `percent` of traffic, split evenly within each set. */
export function canaryWeights(stableKeys: string[], canaryKeys: string[], percent: number): WeightedKey[] {
  if (percent >= 100 || stableKeys.length === 0) return canaryKeys.map((key) => ({ key, weight: 100 }));
  const perCanary = percent * stableKeys.length;
  const perStable = (100 - percent) * canaryKeys.length;
  return [...stableKeys.map((key) => ({ key, weight: perStable })), ...canaryKeys.map((key) => ({ key, weight: perCanary }))];
}

/**
 * Rolling with max surge 1 and max unavailable 0: after new replica i is ready, the route
 * holds new replicas 0..i and old replicas i+1..; the old replica i leaves in the same
 * atomic swap that adds new replica i, so capacity never drops below the replica count.
 */
export function rollingRoute<T>(newReady: T[], old: T[]): { route: T[]; leaving: T[] } {
  const i = newReady.length - 1;
  return { route: [...newReady, ...old.slice(i + 1)], leaving: i < old.length ? [old[i]] : [] };
}
