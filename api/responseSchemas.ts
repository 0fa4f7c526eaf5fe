import { z } from 'zod';
import { DEPLOYMENT_STATUSES } from '../domain/deploymentStatus';
import { OPERATION_KINDS, OPERATION_STATUSES, OPERATION_TRIGGERS, STRATEGIES } from '../domain/operations';

/**
 * Response shapes for /docs/json, written against presenters.ts (tests/api/openapi.test.ts parses
 * real answers with them, so the two cannot drift apart unnoticed).
 */

const when = z.string().describe('ISO 8601 timestamp');

export const ErrorBody = z
  .object({
    code: z.string().describe('stable machine-readable code, e.g. operation_in_flight'),
    message: z.string(),
    fields: z.array(z.object({ field: z.string().describe('e.g. body.env.GREETING'), message: z.string() })).optional(),
    operationId: z.string().nullable().optional().describe('with operation_in_flight: the operation running'),
    massUpgradeId: z.string().optional().describe('with mass_upgrade_in_progress: the rollout running'),
  })
  .describe('every 4xx/5xx answer');

export const ReleaseView = z.object({
  version: z.string(),
  status: z.enum(['active', 'yanked']),
  /** null for a release whose services are all images. */
  artifactDigest: z.string().nullable(),
  manifest: z.unknown(),
  createdAt: when,
});

export const AppView = z.object({ slug: z.string(), name: z.string(), createdAt: when });

export const DeploymentView = z.object({
  id: z.string(),
  tenantId: z.string(),
  app: z.string(),
  name: z.string(),
  hostname: z.string(),
  url: z.string(),
  releaseVersion: z.string(),
  servingVersion: z.string().nullable(),
  previousVersion: z.string().nullable(),
  status: z.enum(DEPLOYMENT_STATUSES),
  progress: z.number(),
  strategy: z.enum(STRATEGIES),
  replicas: z.number().int(),
  activeSlot: z.enum(['blue', 'green']).nullable(),
  configRevision: z.number(),
  lastError: z.string().nullable(),
  updateAvailable: z.object({ version: z.string() }).nullable(),
  createdAt: when,
  updatedAt: when,
});

export const OperationView = z.object({
  id: z.string(),
  deploymentId: z.string(),
  kind: z.enum(OPERATION_KINDS),
  trigger: z.enum(OPERATION_TRIGGERS),
  actor: z.string(),
  fromVersion: z.string().nullable(),
  toVersion: z.string().nullable(),
  configRevision: z.number(),
  strategy: z.enum(STRATEGIES).nullable(),
  strategyOptions: z.unknown(),
  retryOf: z.string().nullable(),
  workflowId: z.string(),
  runId: z.string().nullable(),
  status: z.enum(OPERATION_STATUSES),
  phase: z.string().nullable(),
  error: z.object({ type: z.string(), message: z.string().nullable() }).nullable(),
  createdAt: when,
  startedAt: when.nullable(),
  finishedAt: when.nullable(),
  durationMs: z.number().nullable(),
});

export const LogLineView = z.object({
  id: z.string(),
  phase: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
  at: when,
});

export const OperationStarted = z.object({ operation: OperationView, deployment: DeploymentView });

export const EnvSaved = z.object({
  operation: OperationView.nullable().describe('the restart (trigger env_change), or null when nothing serves yet'),
  deployment: DeploymentView,
  changed: z.object({ set: z.array(z.string()), unset: z.array(z.string()) }).describe('key names only; values are never echoed'),
  message: z.string().optional(),
});

export const TokenView = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(['admin', 'tenant']),
  tenantId: z.string().nullable(),
  createdAt: when,
  revokedAt: when.nullable(),
});

export const TokenCreated = TokenView.extend({
  token: z.string().nullable().describe('the plain token, shown once (null in an Idempotency-Key replay)'),
});

/** A list answer: the rows under their usual key, and where the next page starts. */
export const paged = <K extends string, T extends z.ZodType>(key: K, row: T) =>
  z.object({
    [key]: z.array(row),
    nextCursor: z.string().nullable().describe('pass as ?cursor= for the next page; null: this page ends the list'),
  } as { [P in K]: z.ZodArray<T> } & { nextCursor: z.ZodNullable<z.ZodString> });

export const RolloutItemView = z.object({
  wave: z.number().describe('1-based'),
  deploymentId: z.string(),
  operationId: z.string().nullable().describe('the newest operation this rollout started on the deployment'),
  state: z.string().describe("that operation's status, or not_started"),
  error: z.object({ type: z.string(), message: z.string().nullable() }).nullable(),
});
