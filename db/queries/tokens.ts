import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTrx } from '../database';
import type { ApiToken } from '../schema';

/** Tokens are stored as sha256 hashes; the plain value is shown once, at creation. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createToken(
  db: DbOrTrx,
  t: { name: string; role: 'admin' | 'tenant'; tenantId: string | null },
): Promise<{ token: string; row: ApiToken }> {
  const token = `slw_${t.role === 'admin' ? 'adm' : 'tnt'}_${randomBytes(24).toString('base64url')}`;
  const row = await db
    .insertInto('api_tokens')
    .values({ name: t.name, role: t.role, tenant_id: t.tenantId, token_hash: hashToken(token) })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { token, row };
}

export async function findActiveToken(db: DbOrTrx, token: string): Promise<ApiToken | null> {
  return (
    (await db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', hashToken(token))
      .where('revoked_at', 'is', null)
      .executeTakeFirst()) ?? null
  );
}

export async function countAdminTokens(db: DbOrTrx): Promise<number> {
  const r = await db
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export function listTokens(db: DbOrTrx): Promise<ApiToken[]> {
  return db.selectFrom('api_tokens').selectAll().orderBy('id').execute();
}

export async function findToken(db: DbOrTrx, id: string): Promise<ApiToken | null> {
  return (await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Idempotent: null when the token was already revoked (or does not exist). */
export async function revokeToken(db: DbOrTrx, id: string): Promise<ApiToken | null> {
  const row = await db
    .updateTable('api_tokens')
    .set({ revoked_at: sql<Date>`now()` as unknown as Date })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}
