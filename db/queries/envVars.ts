import type { DbOrTrx } from '../database';
import type { EnvVar } from '../schema';

export function listEnvVars(db: DbOrTrx, deploymentId: string): Promise<EnvVar[]> {
  return db.selectFrom('deployment_env_vars').selectAll().where('deployment_id', '=', deploymentId).orderBy('key').execute();
}

export async function upsertTenantEnvVars(
  db: DbOrTrx,
  deploymentId: string,
  vars: Record<string, string>,
  secretKeys: ReadonlySet<string> = new Set(),
): Promise<void> {
  const rows = Object.entries(vars).map(([key, value]) => ({
    deployment_id: deploymentId,
    key,
    value,
    source: 'tenant' as const,
    secret: secretKeys.has(key),
  }));
  if (rows.length === 0) return;
  await db
    .insertInto('deployment_env_vars')
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(['deployment_id', 'key'])
        .doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), source: 'tenant', secret: eb.ref('excluded.secret') })),
    )
    .execute();
}

/**
 * Insert-if-absent: two attempts racing to generate the same secret both end up
 * reading the one that won, so every retry sees the same value.
 */
export async function insertGeneratedEnvVars(
  db: DbOrTrx,
  deploymentId: string,
  vars: { key: string; value: string; secret: boolean }[],
): Promise<void> {
  if (vars.length === 0) return;
  await db
    .insertInto('deployment_env_vars')
    .values(vars.map((v) => ({ deployment_id: deploymentId, key: v.key, value: v.value, source: 'generated' as const, secret: v.secret })))
    .onConflict((oc) => oc.columns(['deployment_id', 'key']).doNothing())
    .execute();
}

/** Teardown wipes every value, secrets included. */
export async function deleteEnvVars(db: DbOrTrx, deploymentId: string): Promise<void> {
  await db.deleteFrom('deployment_env_vars').where('deployment_id', '=', deploymentId).execute();
}
