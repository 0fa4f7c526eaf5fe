import { z } from 'zod';
import { FailureType } from './failures';
import { PreviewOptionsSchema, type PreviewOptions } from './preview';

/** Strategy parameters are data, validated up front, carried on the operation row. */

export const DEFAULT_CANARY_STEPS = [10, 25, 50, 100];

export const CanaryOptionsSchema = z
  .object({
    /** Percent of traffic on the canary at each step; must rise and end at 100. */
    steps: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .default(DEFAULT_CANARY_STEPS)
      .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]), 'steps must rise')
      .refine((s) => s[s.length - 1] === 100, 'the last step must be 100'),
    /** How long each step lasts before the next (the canary is judged during it). */
    pauseSeconds: z
      .number()
      .int()
      .min(0)
      .max(24 * 3600)
      .default(30),
    /** Abort when the canary's 5xx rate exceeds the stable one's by more than this (0.05 = 5 points). */
    maxErrorRate: z.number().min(0).max(1).default(0.05),
    /** Fewer canary requests than this in a step is not enough evidence to abort on. */
    minRequests: z.number().int().min(1).max(1_000_000).default(20),
  })
  .strict();

export type CanaryOptions = z.infer<typeof CanaryOptionsSchema>;

export const StrategyOptionsSchema = z
  .object({ canary: CanaryOptionsSchema.optional(), preview: PreviewOptionsSchema.optional() })
  .strict();
export type StrategyOptions = z.infer<typeof StrategyOptionsSchema>;

/**
 * Stored strategy options that do not parse: the API validates them before storing, so a
 * row edited by hand or written in an older shape. Refused by field, never replaced by the
 * defaults. The class name is the failure type Temporal sees (an activity's plain error
 * takes its constructor's name), which NON_RETRYABLE_FAILURES lists.
 */
export class InvalidStrategyOptions extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`stored strategy options are invalid at ${field}: ${reason}`);
    this.name = FailureType.InvalidStrategyOptions;
  }
}

function storedOptions(options: unknown): StrategyOptions {
  const parsed = StrategyOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidStrategyOptions(['strategy_options', ...issue.path.map(String)].join('.'), issue.message);
  }
  return parsed.data;
}

/** The canary parameters of an operation's stored options; the defaults when it has none. */
export function canaryOptions(options: unknown): CanaryOptions {
  return storedOptions(options).canary ?? CanaryOptionsSchema.parse({});
}

/** The preview of a manual-promotion operation; null when it promotes automatically. */
export function previewOptions(options: unknown): PreviewOptions | null {
  return storedOptions(options).preview ?? null;
}

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
export function canaryVerdict(canary: Counters, stable: Counters, o: Pick<CanaryOptions, 'maxErrorRate' | 'minRequests'>): CanaryVerdict {
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
