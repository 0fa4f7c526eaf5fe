import { sql } from 'kysely';
import type { DbOrTrx } from '../database';
import type { Deployment, DeploymentUpdate, NewDeployment } from '../schema';

export async function insertDeployment(db: DbOrTrx, d: NewDeployment): Promise<Deployment> {
  return db.insertInto('deployments').values(d).returningAll().executeTakeFirstOrThrow();
}

export async function findDeployment(db: DbOrTrx, id: string): Promise<Deployment | null> {
  return (await db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** The tenant boundary lives here: a tenant-scoped lookup never returns another tenant's row. */
export async function findDeploymentForTenant(db: DbOrTrx, id: string, tenantId: string | null): Promise<Deployment | null> {
  let q = db.selectFrom('deployments').selectAll().where('id', '=', id);
  if (tenantId !== null) q = q.where('tenant_id', '=', tenantId);
  return (await q.executeTakeFirst()) ?? null;
}

export async function updateDeployment(db: DbOrTrx, id: string, patch: DeploymentUpdate): Promise<void> {
  await updateDeploymentQuery(db, id, patch).execute();
}

/** The statement of updateDeployment, for composing into one statement with others (db/queries/claims.ts). */
export function updateDeploymentQuery(db: DbOrTrx, id: string, patch: DeploymentUpdate) {
  return db
    .updateTable('deployments')
    .set({ ...patch, updated_at: sql<Date>`now()` as unknown as Date })
    .where('id', '=', id);
}

export async function deploymentNameTaken(db: DbOrTrx, tenantId: string, name: string): Promise<boolean> {
  const row = await db.selectFrom('deployments').select('id').where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
  return row !== undefined;
}

/** A new config revision; returns its number. Callers pair it with the env write in one transaction. */
export async function bumpConfigRevision(db: DbOrTrx, id: string): Promise<number> {
  const row = await db
    .updateTable('deployments')
    .set({ config_revision: sql<number>`config_revision + 1`, updated_at: sql<Date>`now()` as unknown as Date })
    .where('id', '=', id)
    .returning('config_revision')
    .executeTakeFirstOrThrow();
  return row.config_revision;
}
