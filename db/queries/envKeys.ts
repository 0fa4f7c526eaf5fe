import { sql } from 'kysely';
import type { DbOrTrx } from '../database';

// Queries on env variable names only: they never read or write a value, so they stay apart
// from envVars.ts, which owns how values are stored.

/** Removes tenant-set keys; generated values (secrets) are never unset this way. */
export async function deleteTenantEnvKeys(db: DbOrTrx, deploymentId: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db
    .deleteFrom('deployment_env_vars')
    .where('deployment_id', '=', deploymentId)
    .where('source', '=', 'tenant')
    .where('key', 'in', keys)
    .execute();
}

export async function listSecretEnvKeys(db: DbOrTrx, deploymentId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('deployment_env_vars')
    .select('key')
    .where('deployment_id', '=', deploymentId)
    .where('secret', '=', true)
    .execute();
  return rows.map((r) => r.key);
}

/** Names and plain values for the env editor; a secret's value is never selected, even sealed. */
export async function listEnvEntries(
  db: DbOrTrx,
  deploymentId: string,
): Promise<{ key: string; source: 'tenant' | 'generated'; secret: boolean; value: string | null }[]> {
  return db
    .selectFrom('deployment_env_vars')
    .select(['key', 'source', 'secret', sql<string | null>`case when secret then null else value end`.as('value')])
    .where('deployment_id', '=', deploymentId)
    .orderBy('key')
    .execute();
}
