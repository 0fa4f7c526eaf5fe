import { z } from 'zod';

/** How a release says what to run and what environment it needs. */

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an upper-case env var name like DATABASE_URL');

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
        path: z.string().startsWith('/', 'must start with /'),
        timeoutSeconds: z.number().int().min(1).max(3600).optional(),
      })
      .strict(),
  })
  .strict();

export const ManifestSchema = z
  .object({
    services: z.array(ServiceSchema).length(1, 'exactly one service is supported by the local provider for now'),
    env: z.record(envName, EnvVarSpecSchema).default({}),
  })
  .strict();

export type Manifest = z.infer<typeof ManifestSchema>;
export type EnvVarSpec = z.infer<typeof EnvVarSpecSchema>;
export type Service = z.infer<typeof ServiceSchema>;

/** The service that takes HTTP traffic. */
export function webService(manifest: Manifest): Service {
  return manifest.services[0];
}
