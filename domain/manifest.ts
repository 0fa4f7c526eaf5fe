import { z } from 'zod';
import { loaderEnvReason } from './loaderEnv';
import { releasePhaseKeys, releaseStepProblem } from './releasePhase';

/** How a release says what to run and what environment it needs. */

const envName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an upper-case env var name like DATABASE_URL')
  .superRefine((name, ctx) => {
    // A declared name is one a tenant can give a value to: loader switches stay out.
    const reason = loaderEnvReason(name);
    if (reason) ctx.addIssue({ code: z.ZodIssueCode.custom, message: reason });
  });

/**
 * The probe is sent to the revision's own endpoint with this path appended, so the path
 * must not be able to name another place: `//host:port/x` is protocol-relative, a backslash is
 * read as `/` by URL parsers, a scheme names a new origin, and `..` (also percent-encoded) walks
 * out of whatever prefix a proxy in front of the app maps.
 */
export function readinessPathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'must start with /';
  if (path.startsWith('//')) return 'must not start with // (that names another host)';
  if (path.includes('\\')) return 'must not contain \\';
  // Control characters are exactly what this check is for.
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(path)) return 'must not contain spaces or control characters';
  if (/:\/\//.test(path)) return 'must be a path, not a URL with a scheme';
  const segments = path.split(/[?#]/, 1)[0].split('/');
  if (segments.some((seg) => /^(\.|%2e){1,2}$/i.test(seg))) return 'must not contain . or .. segments';
  return null;
}

const readinessPath = z
  .string()
  .max(1024)
  .superRefine((path, ctx) => {
    const problem = readinessPathProblem(path);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

export const EnvVarSpecSchema = z
  .object({
    required: z.boolean().optional(),
    default: z.string().optional(),
    /** Generated once per deployment when the tenant gives no value, then reused forever. */
    generate: z.enum(['hex32', 'hex64', 'base64url32']).optional(),
    secret: z.boolean().optional(),
    description: z.string().max(500).optional(),
  })
  .strict()
  .refine((v) => !(v.required && v.generate), { message: 'a generated variable cannot also be required from the tenant' });

export const ServiceSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes'),
    command: z.array(z.string().min(1)).min(1, 'needs at least the program to run'),
    portEnv: envName.default('PORT'),
    readiness: z
      .object({
        path: readinessPath,
        timeoutSeconds: z.number().int().min(1).max(3600).optional(),
      })
      .strict(),
  })
  .strict();

export const ManifestSchema = z
  .object({
    services: z.array(ServiceSchema).length(1, 'exactly one service is supported by the local provider for now'),
    env: z.record(envName, EnvVarSpecSchema).default({}),
    ...releasePhaseKeys,
  })
  .strict()
  .superRefine((m, ctx) => {
    const problem = releaseStepProblem(m);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['release', 'service'] });
  });

export type Manifest = z.infer<typeof ManifestSchema>;
export type EnvVarSpec = z.infer<typeof EnvVarSpecSchema>;
export type Service = z.infer<typeof ServiceSchema>;

/** The service that takes HTTP traffic. */
export function webService(manifest: Manifest): Service {
  return manifest.services[0];
}
