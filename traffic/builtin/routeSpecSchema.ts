import { z } from 'zod';
import type { RouteSpec } from '../../ports/traffic';

/**
 * The one validator for RouteSpec: the admin API checks requests with it and the
 * route store checks the state file with it, so a hand-edited file cannot load a
 * route the API would have refused.
 */
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

export const UpstreamSchema = z.object({
  key: z.string().min(1).max(200),
  url: z
    .string()
    .url()
    .refine((u) => new URL(u).protocol === 'http:', { message: 'only http:// upstreams are supported' }),
  weight: z.number().finite().min(0),
});

export const RouteSpecSchema = z.object({
  deploymentId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  hostname: z.string().regex(HOSTNAME, 'must be a DNS hostname without port'),
  upstreams: z
    .array(UpstreamSchema)
    .refine((ups) => new Set(ups.map((u) => u.key)).size === ups.length, { message: 'upstream keys must be unique' }),
  suspended: z
    .object({ reason: z.string().min(1).max(1000), retryAfterSeconds: z.number().int().min(0) })
    .nullable()
    .optional(),
});

/** What the state file holds; `version` lets a later format be told apart. */
export const RouteFileSchema = z.object({
  version: z.literal(1),
  routes: z.array(RouteSpecSchema),
});

export interface FieldError {
  field: string;
  message: string;
}

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
}

/** Compile-time check that the schema and the interface have not drifted apart. */
export type ParsedRouteSpec = z.infer<typeof RouteSpecSchema>;
const _sameShape: (s: ParsedRouteSpec) => RouteSpec = (s) => s;
void _sameShape;
