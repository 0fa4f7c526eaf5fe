import { z } from 'zod';

/**
 * What an admin asks of a fleet rollout. Data, validated once by the API; the same parsed
 * value is the workflow's input and is stored on the mass_upgrades row.
 */

const version = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/, 'a version like 1.2.3 (letters, digits, . + _ -)');
const tenantId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -');

/**
 * One wave's cumulative size: a count of deployments (`1`, `"25"`) or a share of the fleet
 * (`"10%"`). Cumulative: `[1, "10%", "50%", "100%"]` means 1 deployment first, then up to
 * 10 % of the fleet in total, and so on.
 */
export const WaveSize = z.union([
  z.number().int().min(1, 'a count is at least 1'),
  z.string().regex(/^(\d{1,9}|\d{1,3}(\.\d{1,2})?%)$/, 'a count like 5 or a percentage like 10%'),
]);
export type WaveSize = z.infer<typeof WaveSize>;

/** The canary cohort first: one deployment, then 10 %, 50 %, everything. */
export const DEFAULT_WAVES: WaveSize[] = [1, '10%', '50%', '100%'];

export const MASS_UPGRADE_DEFAULTS = {
  maxConcurrency: 5,
  /** Upgrades started per minute; null is no limit beyond the concurrency cap. */
  ratePerMinute: null,
  bakeSeconds: 0,
  /** A deployment busy with another operation is tried again after this long (doubling, capped). */
  busyRetrySeconds: 10,
  failureBudget: { count: 0 },
  itemsPerRun: 500,
} as const;

export const FailureBudget = z
  .object({
    /** Failures tolerated; one more halts the rollout. */
    count: z.number().int().min(0).optional(),
    /** Share of the fleet that may fail (0.05 = 5 %); more halts the rollout. */
    ratio: z.number().min(0).max(1).optional(),
  })
  .strict()
  .refine((b) => b.count !== undefined || b.ratio !== undefined, { message: 'give count or ratio (or both: the smaller wins)' });
export type FailureBudget = z.infer<typeof FailureBudget>;

export const MassUpgradeOptions = z
  .object({
    app: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'an app slug'),
    /** Default: the app's newest active release. */
    targetVersion: version.optional(),
    /** Only these tenants. */
    tenants: z.array(tenantId).min(1).max(10_000).optional(),
    /** Only deployments currently on one of these versions. */
    fromVersions: z.array(version).min(1).max(100).optional(),
    /** Suspended deployments are left alone, or upgraded (which resumes them). */
    suspended: z.enum(['skip', 'resume']).default('skip'),
    waves: z.array(WaveSize).min(1).max(20).default(DEFAULT_WAVES),
    /** Wait this long after a wave has finished before the next one starts. */
    bakeSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .default(MASS_UPGRADE_DEFAULTS.bakeSeconds),
    /** Pause after each wave until someone resumes the rollout. */
    pauseBetweenWaves: z.boolean().default(false),
    maxConcurrency: z.number().int().min(1).max(500).default(MASS_UPGRADE_DEFAULTS.maxConcurrency),
    ratePerMinute: z.number().min(0.1).max(100_000).nullable().default(MASS_UPGRADE_DEFAULTS.ratePerMinute),
    failureBudget: FailureBudget.default(MASS_UPGRADE_DEFAULTS.failureBudget),
    /** After a halt, roll the failed deployments back to what they served before. */
    rollbackFailed: z.boolean().default(false),
    /** Default: each deployment's own strategy. */
    strategy: z.enum(['blue_green', 'recreate']).optional(),
    busyRetrySeconds: z.number().int().min(1).max(3600).default(MASS_UPGRADE_DEFAULTS.busyRetrySeconds),
    /** Upgrades started per workflow run before it continues as new: bounds each run's history. */
    itemsPerRun: z.number().int().min(1).max(5000).default(MASS_UPGRADE_DEFAULTS.itemsPerRun),
    /** List what would move, in which wave, and start nothing. */
    dryRun: z.boolean().default(false),
  })
  .strict();

export type MassUpgradeOptions = z.infer<typeof MassUpgradeOptions>;
export type MassUpgradeOptionsInput = z.input<typeof MassUpgradeOptions>;
