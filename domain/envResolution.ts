import { loaderEnvReason } from './loaderEnv';
import type { EnvVarSpec } from './manifest';

/** Names Slipway sets itself; a tenant may not set them. */
export const RESERVED_ENV_PREFIX = 'SLIPWAY_';

export interface StoredEnvVar {
  key: string;
  value: string;
  source: 'tenant' | 'generated';
  secret: boolean;
}

export interface EnvPlan {
  /** Concrete values for every variable that can be resolved now. */
  values: Record<string, string>;
  /** Required variables nobody gave a value for. */
  missing: string[];
  /** Generated variables not generated yet for this deployment. */
  toGenerate: { key: string; kind: NonNullable<EnvVarSpec['generate']>; secret: boolean }[];
  /** Keys whose values must never be shown. */
  secretKeys: string[];
}

/**
 * Precedence: tenant value > value generated earlier > release default. Tenant variables
 * the release does not declare are passed through (apps often read optional extras).
 * `platform` values (release version, deployment id) always win, since tenants cannot set
 * SLIPWAY_* names.
 */
export function planEnv(schema: Record<string, EnvVarSpec>, stored: StoredEnvVar[], platform: Record<string, string>): EnvPlan {
  const tenant = new Map(stored.filter((v) => v.source === 'tenant').map((v) => [v.key, v]));
  const generated = new Map(stored.filter((v) => v.source === 'generated').map((v) => [v.key, v]));
  const values: Record<string, string> = {};
  const missing: string[] = [];
  const toGenerate: EnvPlan['toGenerate'] = [];
  const secretKeys = new Set<string>();

  for (const [key, spec] of Object.entries(schema)) {
    if (spec.secret) secretKeys.add(key);
    const fromTenant = tenant.get(key);
    const fromGenerated = generated.get(key);
    if (fromTenant) values[key] = fromTenant.value;
    else if (spec.generate && fromGenerated) values[key] = fromGenerated.value;
    else if (spec.default !== undefined) values[key] = spec.default;
    else if (spec.generate) toGenerate.push({ key, kind: spec.generate, secret: spec.secret ?? true });
    else if (spec.required) missing.push(key);
  }
  for (const [key, v] of tenant) {
    if (!(key in schema)) values[key] = v.value;
    if (v.secret) secretKeys.add(key);
  }
  for (const v of generated.values()) if (v.secret) secretKeys.add(v.key);
  Object.assign(values, platform);
  return { values, missing: missing.sort(), toGenerate, secretKeys: [...secretKeys].sort() };
}

/** Tenant-supplied names that are not allowed, with the reason. */
export function invalidTenantEnvNames(keys: string[]): { key: string; reason: string }[] {
  const out: { key: string; reason: string }[] = [];
  for (const key of keys) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out.push({ key, reason: 'must be letters, digits and _ and not start with a digit' });
    else if (key.toUpperCase().startsWith(RESERVED_ENV_PREFIX))
      out.push({ key, reason: `names starting with ${RESERVED_ENV_PREFIX} are reserved` });
    else {
      const reason = loaderEnvReason(key);
      if (reason) out.push({ key, reason });
    }
  }
  return out;
}
