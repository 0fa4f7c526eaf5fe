import { sql } from 'kysely';
import type { DbOrTrx } from '../database';
import type { Revision, RevisionStatus } from '../schema';

const now = () => sql<Date>`now()` as unknown as Date;

export async function upsertRevision(
  db: DbOrTrx,
  r: Pick<Revision, 'key' | 'deployment_id' | 'operation_id' | 'release_version' | 'config_revision' | 'slot' | 'url' | 'status'>,
): Promise<void> {
  // A retried start must not demote a revision that already moved on (ready, serving).
  await db
    .insertInto('revisions')
    .values(r)
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        url: r.url,
        status: sql`case when revisions.status in ('stopped', 'starting') then excluded.status else revisions.status end`,
        stopped_at: null,
      }),
    )
    .execute();
}

export async function findRevision(db: DbOrTrx, key: string): Promise<Revision | null> {
  return (await db.selectFrom('revisions').selectAll().where('key', '=', key).executeTakeFirst()) ?? null;
}

export async function setRevisionStatus(db: DbOrTrx, key: string, status: RevisionStatus): Promise<void> {
  await db
    .updateTable('revisions')
    .set({ status, stopped_at: status === 'stopped' ? now() : null })
    .where('key', '=', key)
    .execute();
}

/** Compare-and-set: moves the revision only if it is in one of `from`. Returns whether it moved. */
export async function casRevisionStatus(
  db: DbOrTrx,
  key: string,
  from: RevisionStatus[],
  to: RevisionStatus,
  extra: { retire_token?: string | null; operation_id?: string } = {},
): Promise<boolean> {
  const r = await casRevisionsQuery(db, [key], from, to, extra).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** casRevisionStatus of several revisions as one statement, for composing with others (db/queries/claims.ts). */
export function casRevisionsQuery(
  db: DbOrTrx,
  keys: string[],
  from: RevisionStatus[],
  to: RevisionStatus,
  extra: { retire_token?: string | null; operation_id?: string } = {},
) {
  return (
    db
      .updateTable('revisions')
      .set({ status: to, stopped_at: to === 'stopped' ? now() : null, ...extra })
      // = any(array) rather than in (…): an empty list is a valid array, not a syntax error.
      .where('key', '=', sql<string>`any(${keys})`)
      .where('status', 'in', from)
  );
}

/**
 * Warm → ready under `operationId`, so the retirement timers of whoever made them warm can
 * no longer stop them: the statement, returning the keys it moved (composed in claims.ts).
 */
export function claimWarmQuery(db: DbOrTrx, keys: string[], operationId: string) {
  return casRevisionsQuery(db, keys, ['warm'], 'ready', { operation_id: operationId, retire_token: null }).returning('key');
}

/** claimWarmQuery run alone; the keys of `keys` this operation won. */
export async function claimWarmRevisions(db: DbOrTrx, keys: string[], operationId: string): Promise<string[]> {
  return (await claimWarmQuery(db, keys, operationId).execute()).map((r) => r.key);
}

export function liveRevisions(db: DbOrTrx, deploymentId: string): Promise<Revision[]> {
  return db
    .selectFrom('revisions')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .where('status', '!=', 'stopped')
    .orderBy('created_at')
    .execute();
}

/** A revision started again under its own key serves from its new URL. */
export async function markRevisionServing(db: DbOrTrx, key: string, url: string): Promise<void> {
  await db.updateTable('revisions').set({ url, status: 'serving', stopped_at: null }).where('key', '=', key).execute();
}

/** Keys of revisions recorded as serving on deployments that should be serving (not suspended, not torn down). */
export async function servingRevisionKeys(db: DbOrTrx): Promise<string[]> {
  const rows = await db
    .selectFrom('revisions')
    .innerJoin('deployments', 'deployments.id', 'revisions.deployment_id')
    .select(['revisions.key'])
    .where('revisions.status', '=', 'serving')
    .where('deployments.status', 'not in', ['destroyed', 'destroying', 'suspended'])
    .execute();
  return rows.map((r) => r.key);
}

/** The revisions behind a deployment's upstream keys (a key belongs to one deployment only). */
export async function findRevisionsByKeys(db: DbOrTrx, deploymentId: string, keys: string[]): Promise<Revision[]> {
  if (keys.length === 0) return [];
  return db.selectFrom('revisions').selectAll().where('deployment_id', '=', deploymentId).where('key', 'in', keys).execute();
}
