import { sql } from 'kysely';
import type { DbOrTrx } from '../database';
import type { Revision } from '../schema';

export async function upsertRevision(
  db: DbOrTrx,
  r: Pick<Revision, 'key' | 'deployment_id' | 'operation_id' | 'release_version' | 'config_revision' | 'slot' | 'url' | 'status'>,
): Promise<void> {
  await db
    .insertInto('revisions')
    .values(r)
    .onConflict((oc) => oc.column('key').doUpdateSet({ url: r.url, status: r.status, stopped_at: null }))
    .execute();
}

export async function setRevisionStatus(db: DbOrTrx, key: string, status: Revision['status']): Promise<void> {
  await db
    .updateTable('revisions')
    .set({ status, stopped_at: status === 'stopped' ? (sql<Date>`now()` as unknown as Date) : null })
    .where('key', '=', key)
    .execute();
}

export function liveRevisions(db: DbOrTrx, deploymentId: string): Promise<Revision[]> {
  return db.selectFrom('revisions').selectAll().where('deployment_id', '=', deploymentId).where('status', '!=', 'stopped').execute();
}
