import { z } from 'zod';
import { DEPLOYMENT_STATUSES } from '../domain/deploymentStatus';
import { INPUT_LIMITS } from '../domain/inputLimits';
import { ManifestSchema } from '../domain/manifest';
import { MASS_UPGRADE_STATUSES } from '../domain/massUpgrade/progress';
import { OPERATION_KINDS, OPERATION_STATUSES, STRATEGIES } from '../domain/operations';
import { DEFAULT_PAGE_LIMIT, MAX_CURSOR_LENGTH, MAX_PAGE_LIMIT } from '../domain/pagination';
import { CanaryOptionsSchema } from '../domain/strategy';

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
  })
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
  .object({ version: version.optional(), strategy: DeployStrategy.optional(), canary: CanaryOptionsSchema.optional() })
  .strict()
  .refine((b) => !b.canary || (b.strategy ?? 'canary') === 'canary', { message: 'canary options need strategy canary', path: ['canary'] });

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
