import { z } from 'zod';
import { MASS_UPGRADE_STATUSES } from '../domain/massUpgrade/progress';

/** Request and response shapes of /api/admin/mass-upgrades (documented at /docs). */

export const MassUpgradeParams = z.object({ id: z.string().regex(/^mu-[a-z0-9]{4,32}$/, 'a mass upgrade id like mu-abc123') });
export const MassUpgradeQuery = z.object({ plan: z.enum(['0', '1', 'true', 'false']).optional() }).strict();
export const CancelBody = z.object({ reason: z.string().max(500).optional() }).strict();

const when = z.string().describe('ISO 8601 timestamp');

export const MassUpgradeProgressView = z.object({
  id: z.string(),
  status: z.enum(MASS_UPGRADE_STATUSES),
  targetVersion: z.string(),
  currentWave: z.number().describe('1-based'),
  waves: z.number(),
  waveSizes: z.array(z.number()),
  counts: z.object({
    total: z.number(),
    pending: z.number(),
    inFlight: z.number(),
    succeeded: z.number(),
    failed: z.number(),
    skipped: z.number(),
    busyRetries: z.number(),
    rolledBack: z.number(),
  }),
  failures: z
    .array(z.object({ deploymentId: z.string(), operationId: z.string(), errorType: z.string(), message: z.string() }))
    .describe('the newest 50, with reasons'),
  inFlight: z.array(z.string()),
  haltReason: z.string().nullable(),
  nextWaveAt: when.nullable(),
  updatedAt: when,
});

export const MassUpgradeView = z.object({
  id: z.string(),
  app: z.string(),
  targetVersion: z.string(),
  status: z.enum(MASS_UPGRADE_STATUSES),
  haltReason: z.string().nullable(),
  actor: z.string(),
  workflowId: z.string(),
  options: z.unknown(),
  progress: MassUpgradeProgressView.nullable().describe('live from the workflow while it runs, else the last snapshot'),
  plan: z.array(z.array(z.string())).optional().describe('deployment ids per wave, with ?plan=1'),
  createdAt: when,
  updatedAt: when,
  finishedAt: when.nullable(),
});

export const DryRunView = z.object({
  dryRun: z.literal(true),
  app: z.string(),
  targetVersion: z.string(),
  total: z.number(),
  waves: z.array(
    z.object({
      wave: z.number().describe('1-based'),
      size: z.number(),
      deployments: z.array(z.object({ id: z.string(), tenantId: z.string(), fromVersion: z.string(), status: z.string() })),
    }),
  ),
  options: z.unknown(),
});
