import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../database';
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

export async function isTokenActive(db: DbOrTrx, id: string): Promise<boolean> {
  const row = await db.selectFrom('api_tokens').select('id').where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return row !== undefined;
}

export function listTokens(db: DbOrTrx): Promise<ApiToken[]> {
  return db.selectFrom('api_tokens').selectAll().orderBy('id').execute();
}

export type RevokeResult = { kind: 'not_found' } | { kind: 'last_admin' } | { kind: 'revoked'; row: ApiToken };

/**
 * Revokes a token unless it is the last active admin token. The active admin rows are
 * locked first, so two admins revoking the last two admin tokens at once cannot both win:
 * the second waits, then sees one admin left and is refused.
 */
export function revokeToken(db: Db, id: string): Promise<RevokeResult> {
  return db.transaction().execute(async (trx) => {
    const admins = await trx
      .selectFrom('api_tokens')
      .select('id')
      .where('role', '=', 'admin')
      .where('revoked_at', 'is', null)
      .orderBy('id')
      .forUpdate()
      .execute();
    const row = await trx.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return { kind: 'not_found' };
    if (row.revoked_at) return { kind: 'revoked', row };
    if (row.role === 'admin' && admins.length <= 1) return { kind: 'last_admin' };
    const revoked = await trx
      .updateTable('api_tokens')
      .set({ revoked_at: sql<Date>`now()` as unknown as Date })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { kind: 'revoked', row: revoked };
  });
}
