/**
 * Smooth weighted round-robin (the nginx algorithm): over any window of `sum(weights)`
 * picks each entry is chosen exactly `weight` times, interleaved rather than in
 * bursts. Deterministic, so a 90/10 split is 90/10 from the first hundred requests,
 * which matters for small canaries. Weight 0 (or less) is never chosen.
 */
export interface WeightedPicker<T> {
  pick(): T | null;
}

export function createWeightedPicker<T>(entries: readonly { item: T; weight: number }[]): WeightedPicker<T> {
  const live = entries.filter((e) => e.weight > 0 && Number.isFinite(e.weight));
  const total = live.reduce((sum, e) => sum + e.weight, 0);
  const current = live.map(() => 0);
  return {
    pick() {
      if (live.length === 0) return null;
      if (live.length === 1) return live[0].item;
      let best = 0;
      for (let i = 0; i < live.length; i++) {
        current[i] += live[i].weight;
        if (current[i] > current[best]) best = i;
      }
      current[best] -= total;
      return live[best].item;
    },
  };
}
