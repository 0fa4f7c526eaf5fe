import { z } from 'zod';
import { DEPLOYMENT_STATUSES } from '../domain/deploymentStatus';
import { INPUT_LIMITS } from '../domain/inputLimits';
import { ManifestSchema } from '../domain/manifest';
import { MASS_UPGRADE_STATUSES } from '../domain/massUpgrade/progress';
import { OPERATION_KINDS, OPERATION_STATUSES, STRATEGIES } from '../domain/operations';
import { DEFAULT_PAGE_LIMIT, MAX_CURSOR_LENGTH, MAX_PAGE_LIMIT } from '../domain/pagination';
import { DEFAULT_PREVIEW_TIMEOUT_SECONDS, MAX_PREVIEW_TIMEOUT_SECONDS } from '../domain/preview';
import { CanaryOptionsSchema } from '../domain/strategy';
import { DEFAULT_AUTO_UPDATE_MAX_PER_WEEK } from '../domain/autoUpdate';
import { EVENT_TYPES } from '../domain/notifications/events';

/** Request schemas; the same shapes are documented in the README and /docs. */

export const slug = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,39}$/, 'lower-case letters, digits and dashes, 2-40 characters, starting with a letter');
const version = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/, 'a version like 1.2.3 (letters, digits, . + _ -)');
const tenantId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -');

export const CreateAppBody = z.object({ slug, name: z.string().min(1).max(200).optional() }).strict();

export const CreateReleaseBody = z
  .object({
    version,
    manifest: ManifestSchema,
    /** Needed unless every service is an image. */
    artifact: z
      .object({ path: z.string().min(1, 'path of the directory to snapshot') })
      .strict()
      .optional(),
  })
  .strict();

export const ReleaseParams = z.object({ slug, version });

/** A new release from an existing one with only some services' images changed. */
export const BumpReleaseBody = z
  .object({
    version,
    images: z
      .record(z.string(), z.string().min(1).max(512))
      .refine((m) => Object.keys(m).length > 0, 'name at least one service and its new image'),
  })
  .strict();

export const AppParams = z.object({ slug });

const { envKeys, envValueChars, envTotalChars } = INPUT_LIMITS;

export const EnvValues = z
  .record(z.string(), z.string().max(envValueChars, `at most ${envValueChars} characters`))
  .refine((env) => Object.keys(env).length <= envKeys, `at most ${envKeys} keys in one request`)
  .refine(
    (env) => Object.values(env).reduce((n, v) => n + v.length, 0) <= envTotalChars,
    `values of at most ${envTotalChars} characters together`,
  );

/** Env names listed by a request (unset, secretEnv): as many as it may set. */
const EnvNames = z.array(z.string()).max(envKeys, `at most ${envKeys} names`);

export const DeployStrategy = z.enum(STRATEGIES);

/** Opt-in to the auto-update schedule (Vendo's update watcher). */
export const AutoUpdateSettings = z
  .object({
    enabled: z.boolean(),
    maxPerWeek: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(DEFAULT_AUTO_UPDATE_MAX_PER_WEEK)
      .describe(`auto-updates at most this often in seven days (default ${DEFAULT_AUTO_UPDATE_MAX_PER_WEEK})`),
  })
  .strict();

const autoDeploy = z.boolean().describe("a signed push of the app's webhook upgrades this deployment");

export const CreateDeploymentBody = z
  .object({
    app: slug,
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes')
      .optional(),
    version: version.optional(),
    tenantId: tenantId.optional(),
    strategy: DeployStrategy.default('blue_green'),
    /** Processes behind the route; rolling replaces them one by one. */
    replicas: z.number().int().min(1).max(20).default(1),
    env: EnvValues.default({}),
    secretEnv: EnvNames.default([]),
    autoDeploy: autoDeploy.default(false),
    autoUpdate: AutoUpdateSettings.optional(),
  })
  .strict();

export const AutomationBody = z
  .object({ autoDeploy: autoDeploy.optional(), autoUpdate: AutoUpdateSettings.optional() })
  .strict()
  .refine((b) => b.autoDeploy !== undefined || b.autoUpdate !== undefined, { message: 'set autoDeploy or autoUpdate' });

export const WebhookSecretBody = z
  .object({
    secret: z
      .string()
      .min(16, 'at least 16 characters')
      .max(256, 'at most 256 characters')
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
      .optional()
      .describe('the secret your Git host signs with; without it Slipway generates one'),
  })
  .strict();

/** A push: the version it names becomes a release. `image` is passed through to release creation. */
export const PushBody = z
  .object({
    version,
    artifact: z
      .object({ path: z.string().min(1, 'path of the directory to snapshot') })
      .strict()
      .optional(),
    image: z.string().min(1).max(512).optional().describe('an OCI image reference; needs a build with image services'),
    manifest: ManifestSchema.optional().describe("default: the app's newest release's manifest"),
  })
  .refine((b) => b.artifact !== undefined || b.image !== undefined, { message: 'name an artifact or an image', path: ['artifact'] });

export const SubscriptionParams = z.object({ id: z.string().regex(/^sub-[a-z0-9]{4,32}$/, 'a subscription id like sub-abc123') });

export const CreateSubscriptionBody = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
      .max(2000)
      .describe('where signed event deliveries are POSTed'),
    events: z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length).describe('event types to receive'),
  })
  .strict();

export const ListDeliveriesQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT) })
  .strict();

export const DeploymentParams = z.object({ id: z.string().regex(/^d-[a-z0-9]{4,32}$/, 'a deployment id like d-abc123') });
export const OperationParams = z.object({ id: z.string().regex(/^op-[a-z0-9]{4,32}$/, 'an operation id like op-abc123') });

/** Every list pages with these two; `nextCursor` of one answer is the `cursor` of the next request. */
const pageParams = (defaultLimit = DEFAULT_PAGE_LIMIT) => ({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_LIMIT)
    .default(defaultLimit)
    .describe(`rows per page, 1-${MAX_PAGE_LIMIT} (default ${defaultLimit})`),
  cursor: z
    .string()
    .min(1)
    .max(MAX_CURSOR_LENGTH)
    .regex(/^[A-Za-z0-9_-]+$/, 'the nextCursor of the previous page, unchanged')
    .optional()
    .describe('nextCursor of the previous page'),
});
const instant = z.iso.datetime({ offset: true, message: 'an ISO 8601 time like 2026-12-01T09:00:00Z' }).transform((v) => new Date(v));
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ListDeploymentsQuery = z
  .object({
    app: slug.optional(),
    tenant: tenantId.optional().describe('admins only; a tenant token may only name its own tenant'),
    status: z.enum(DEPLOYMENT_STATUSES).optional(),
    servingVersion: version.optional(),
    updateAvailable: flag.optional().describe('true: a newer active release of the app exists'),
    strategy: DeployStrategy.optional(),
    createdAfter: instant.optional(),
    createdBefore: instant.optional(),
    updatedAfter: instant.optional(),
    updatedBefore: instant.optional(),
    ...pageParams(),
  })
  .strict();

export const ListDeploymentOperationsQuery = z
  .object({ status: z.enum(OPERATION_STATUSES).optional(), kind: z.enum(OPERATION_KINDS).optional(), ...pageParams() })
  .strict();

/** On-call across the fleet: "what failed in the last hour", newest first. */
export const ListOperationsQuery = z
  .object({
    tenant: tenantId.optional().describe('admins only; a tenant token may only name its own tenant'),
    status: z.enum(OPERATION_STATUSES).optional(),
    kind: z.enum(OPERATION_KINDS).optional(),
    since: instant.optional().describe('created at or after'),
    before: instant.optional().describe('created before'),
    ...pageParams(),
  })
  .strict();

export const ListAppsQuery = z.object({ ...pageParams() }).strict();
export const ListReleasesQuery = z.object({ ...pageParams() }).strict();

export const ListTokensQuery = z
  .object({ role: z.enum(['admin', 'tenant']).optional(), tenant: tenantId.optional(), revoked: flag.optional(), ...pageParams() })
  .strict();

export const ListMassUpgradesQuery = z
  .object({ app: slug.optional(), status: z.enum(MASS_UPGRADE_STATUSES).optional(), ...pageParams() })
  .strict();
export const ListRolloutItemsQuery = z.object({ ...pageParams() }).strict();

export const CreateTokenBody = z
  .object({ name: z.string().min(1).max(100), role: z.enum(['admin', 'tenant']), tenantId: tenantId.optional() })
  .strict()
  .refine((b) => (b.role === 'tenant') === (b.tenantId !== undefined), {
    message: 'tenant tokens need tenantId; admin tokens must not have one',
    path: ['tenantId'],
  });

export const UpgradeBody = z
  .object({
    version: version.optional(),
    strategy: DeployStrategy.optional(),
    canary: CanaryOptionsSchema.optional(),
    /** manual: the new revision waits at its preview host for POST …/promote or …/abort. */
    promotion: z.enum(['auto', 'manual']).default('auto'),
    force: z.boolean().default(false).describe('go back to an older release across an irreversible migration anyway'),
    previewTimeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(MAX_PREVIEW_TIMEOUT_SECONDS)
      .optional()
      .describe(`manual promotion only: abort when nobody decides within this (default ${DEFAULT_PREVIEW_TIMEOUT_SECONDS})`),
  })
  .strict()
  .refine((b) => !b.canary || (b.strategy ?? 'canary') === 'canary', { message: 'canary options need strategy canary', path: ['canary'] })
  .refine((b) => b.previewTimeoutSeconds === undefined || b.promotion === 'manual', {
    message: 'previewTimeoutSeconds needs promotion manual',
    path: ['previewTimeoutSeconds'],
  })
  .refine((b) => b.promotion === 'auto' || ((b.strategy ?? 'blue_green') === 'blue_green' && !b.canary), {
    message: 'manual promotion switches all traffic at once (blue-green): leave strategy and canary out, or use blue_green',
    path: ['promotion'],
  });

export const RollbackBody = z
  .object({ force: z.boolean().default(false).describe('roll back across an irreversible migration anyway') })
  .strict();

export const ScaleBody = z.object({ replicas: z.number({ error: 'replicas: a whole number from 1 to 20' }).int().min(1).max(20) }).strict();

/** Lifecycle actions that take no options; an empty or missing body is fine. */
export const EmptyBody = z.object({}).strict();

export const DestroyBody = z.object({ confirm: z.string({ error: 'send the deployment id as confirm' }) }).strict();

export const PutEnvBody = z
  .object({
    env: EnvValues.optional(),
    unset: EnvNames.optional(),
    secretEnv: EnvNames.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b.env ?? {}).length + (b.unset?.length ?? 0) > 0, {
    message: 'set at least one value in env or one name in unset',
  });

/** A log reads best whole: a page is as long as allowed unless the caller asks for less. */
export const OperationLogsQuery = z
  .object({ follow: z.enum(['0', '1', 'true', 'false']).optional(), ...pageParams(MAX_PAGE_LIMIT) })
  .strict();

export const TokenParams = z.object({ id: z.string().regex(/^[0-9]{1,18}$/, 'a token id (digits)') });

/** Who asked, recorded on the operation. mass_upgrade, auto_rollback and env_change are Slipway's own. */
export const TriggerHeader = z.enum(['api', 'dashboard', 'admin', 'webhook']);
