import type { DbOrTrx } from '../database';
import type { EnvVar } from '../schema';
import type { SecretCipher } from '../secretCipher';

/**
 * Secret values are sealed here on every write and opened here on every read, so no
 * caller can store a secret in the clear or hand ciphertext to an app by mistake.
 */
const contextOf = (deploymentId: string, key: string) => `deployment_env_vars/${deploymentId}/${key}`;

function seal(cipher: SecretCipher, deploymentId: string, key: string, value: string, secret: boolean) {
  if (!secret) return { value, key_id: null };
  const sealed = cipher.seal(value, contextOf(deploymentId, key));
  return { value: sealed.value, key_id: sealed.keyId };
}

/** Rows with plain values; a secret no key here opens throws SecretKeyError. */
export async function listEnvVars(db: DbOrTrx, cipher: SecretCipher, deploymentId: string): Promise<EnvVar[]> {
  const rows = await db.selectFrom('deployment_env_vars').selectAll().where('deployment_id', '=', deploymentId).orderBy('key').execute();
  return rows.map((r) =>
    r.secret && r.key_id ? { ...r, value: cipher.open({ value: r.value, keyId: r.key_id }, contextOf(r.deployment_id, r.key)) } : r,
  );
}

export async function upsertTenantEnvVars(
  db: DbOrTrx,
  cipher: SecretCipher,
  deploymentId: string,
  vars: Record<string, string>,
  secretKeys: ReadonlySet<string> = new Set(),
): Promise<void> {
  const rows = Object.entries(vars).map(([key, value]) => ({
    deployment_id: deploymentId,
    key,
    ...seal(cipher, deploymentId, key, value, secretKeys.has(key)),
    source: 'tenant' as const,
    secret: secretKeys.has(key),
  }));
  if (rows.length === 0) return;
  await db
    .insertInto('deployment_env_vars')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['deployment_id', 'key']).doUpdateSet((eb) => ({
        value: eb.ref('excluded.value'),
        key_id: eb.ref('excluded.key_id'),
        source: 'tenant',
        secret: eb.ref('excluded.secret'),
      })),
    )
    .execute();
}

/**
 * Insert-if-absent: two attempts racing to generate the same secret both end up
 * reading the one that won, so every retry sees the same value.
 */
export async function insertGeneratedEnvVars(
  db: DbOrTrx,
  cipher: SecretCipher,
  deploymentId: string,
  vars: { key: string; value: string; secret: boolean }[],
): Promise<void> {
  if (vars.length === 0) return;
  await db
    .insertInto('deployment_env_vars')
    .values(
      vars.map((v) => ({
        deployment_id: deploymentId,
        key: v.key,
        ...seal(cipher, deploymentId, v.key, v.value, v.secret),
        source: 'generated' as const,
        secret: v.secret,
      })),
    )
    .onConflict((oc) => oc.columns(['deployment_id', 'key']).doNothing())
    .execute();
}

/** Teardown wipes every value, secrets included. */
export async function deleteEnvVars(db: DbOrTrx, deploymentId: string): Promise<void> {
  await db.deleteFrom('deployment_env_vars').where('deployment_id', '=', deploymentId).execute();
}

/**
 * Moves secret values that are plaintext (written before encryption) or under an older key
 * to the current key, a batch at a time. Each update is a compare-and-set on the value it
 * read, so a tenant's write racing it wins. Values no key here opens are left as they are
 * and reported; their deployments fail loudly when they next start.
 */
export async function reencryptSecretEnvVars(
  db: DbOrTrx,
  cipher: SecretCipher,
  batchSize = 500,
): Promise<{ reencrypted: number; unreadable: { deploymentId: string; key: string; keyId: string }[] }> {
  let reencrypted = 0;
  const unreadable: { deploymentId: string; key: string; keyId: string }[] = [];
  let after = { deploymentId: '', key: '' };
  for (;;) {
    const rows = await db
      .selectFrom('deployment_env_vars')
      .select(['deployment_id', 'key', 'value', 'key_id'])
      .where('secret', '=', true)
      .where((eb) => eb.or([eb('key_id', 'is', null), eb('key_id', '!=', cipher.keyId)]))
      .where((eb) =>
        eb.or([
          eb('deployment_id', '>', after.deploymentId),
          eb.and([eb('deployment_id', '=', after.deploymentId), eb('key', '>', after.key)]),
        ]),
      )
      .orderBy('deployment_id')
      .orderBy('key')
      .limit(batchSize)
      .execute();
    for (const r of rows) {
      const context = contextOf(r.deployment_id, r.key);
      let plain: string;
      try {
        plain = r.key_id ? cipher.open({ value: r.value, keyId: r.key_id }, context) : r.value;
      } catch {
        unreadable.push({ deploymentId: r.deployment_id, key: r.key, keyId: r.key_id ?? '' });
        continue;
      }
      const sealed = cipher.seal(plain, context);
      const res = await db
        .updateTable('deployment_env_vars')
        .set({ value: sealed.value, key_id: sealed.keyId })
        .where('deployment_id', '=', r.deployment_id)
        .where('key', '=', r.key)
        .where('value', '=', r.value)
        .executeTakeFirst();
      reencrypted += Number(res.numUpdatedRows);
    }
    if (rows.length < batchSize) return { reencrypted, unreadable };
    after = { deploymentId: rows[rows.length - 1].deployment_id, key: rows[rows.length - 1].key };
  }
}
