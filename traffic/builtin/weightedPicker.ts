/**
 * Smooth weighted round-robin (the nginx algorithm): over any window of `sum(weights)`
 * picks each entry is chosen exactly `weight` times, interleaved rather than in
 * bursts. Deterministic, so a 90/10 split is 90/10 from the first hundred requests,
 * which matters for small canaries. Weight 0 (or less) is never chosen.
 *
 * `accept` narrows one pick to some entries (e.g. the healthy ones); the others keep
 * their position, so the split among the accepted ones stays smooth and an entry that
 * comes back is not owed a burst of catch-up picks beyond its normal share.
 */
export interface WeightedPicker<T> {
  pick(accept?: (item: T) => boolean): T | null;
}

export function createWeightedPicker<T>(entries: readonly { item: T; weight: number }[]): WeightedPicker<T> {
  const live = entries.filter((e) => e.weight > 0 && Number.isFinite(e.weight));
  const current = live.map(() => 0);
  return {
    pick(accept) {
      if (live.length === 0) return null;
      if (live.length === 1) return !accept || accept(live[0].item) ? live[0].item : null;
      let best = -1;
      let total = 0;
      for (let i = 0; i < live.length; i++) {
        if (accept && !accept(live[i].item)) continue;
        current[i] += live[i].weight;
        total += live[i].weight;
        if (best === -1 || current[i] > current[best]) best = i;
      }
      if (best === -1) return null;
      current[best] -= total;
      return live[best].item;
    },
  };
}
