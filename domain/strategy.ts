import { z } from 'zod';
import { FailureType } from './failures';
import { PreviewOptionsSchema, type PreviewOptions } from './preview';

// The traffic arithmetic lives apart so workflow code can use it without bundling zod.
export * from './trafficShift';

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
