import type { WaveSize } from './options';

/** What mass_upgrades.plan holds: the deployment ids of every wave, cut once when the rollout starts. */
export interface MassUpgradePlan {
  waves: string[][];
}

/**
 * Cumulative size reached after a wave, for a fleet of `total`. Percentages round up, so
 * "10%" of 5 deployments is 1, never 0; counts are capped at the fleet.
 */
export function cumulativeTarget(size: WaveSize, total: number): number {
  if (typeof size === 'number') return Math.min(total, size);
  if (size.endsWith('%')) return Math.min(total, Math.ceil((Number(size.slice(0, -1)) / 100) * total - 1e-9));
  return Math.min(total, Number(size));
}

/**
 * Splits the (sorted) deployment ids into waves. Each wave takes the ids up to its
 * cumulative target; waves that would add nothing are dropped; whatever the listed waves
 * leave over forms a last wave, so a plan always covers the whole selection.
 */
export function planWaves<T>(ids: readonly T[], waves: readonly WaveSize[]): T[][] {
  const out: T[][] = [];
  let done = 0;
  for (const w of waves) {
    const upTo = Math.max(done, cumulativeTarget(w, ids.length));
    if (upTo > done) out.push(ids.slice(done, upTo));
    done = upTo;
  }
  if (done < ids.length) out.push(ids.slice(done));
  return out;
}

/** Human form of a wave list, e.g. "1, 10%, 50%, 100%". */
export const describeWaves = (waves: readonly WaveSize[]): string => waves.map(String).join(', ');

/** Parses the CLI's "1,10%,50%,100%". Counts become numbers; percentages stay strings. */
export function parseWaveList(text: string): WaveSize[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
