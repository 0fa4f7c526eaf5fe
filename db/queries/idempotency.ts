import type { DbOrTrx } from '../database';
import type { Selectable } from 'kysely';
import type { IdempotencyKeysTable } from '../schema';

export type IdempotencyRecord = Selectable<IdempotencyKeysTable>;

/**
 * Records the first use of a key, or returns the row an earlier request left. Insert-if-absent,
 * so two racing requests agree on one row.
 */
export async function claimIdempotencyKey(
  db: DbOrTrx,
  k: { tokenId: string; key: string; method: string; path: string; requestHash: string },
): Promise<{ created: boolean; record: IdempotencyRecord }> {
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({
      token_id: k.tokenId,
      key: k.key,
      method: k.method,
      path: k.path,
      request_hash: k.requestHash,
      status_code: null,
      response: null,
    })
    .onConflict((oc) => oc.columns(['token_id', 'key']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { created: true, record: inserted };
  const record = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('token_id', '=', k.tokenId)
    .where('key', '=', k.key)
    .executeTakeFirstOrThrow();
  return { created: false, record };
}

/** Stores the answer once; a later answer to the same key (a retry that re-ran) never overwrites it. */
export async function saveIdempotentResponse(
  db: DbOrTrx,
  tokenId: string,
  key: string,
  statusCode: number,
  response: unknown,
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ status_code: statusCode, response: JSON.stringify(response ?? null) })
    .where('token_id', '=', tokenId)
    .where('key', '=', key)
    .where('status_code', 'is', null)
    .execute();
}
