import { sql } from 'kysely';
import type { DbOrTrx } from '../database';
import type { Deployment } from '../schema';

/** Deployments a signed push of the app upgrades. */
export function autoDeployDeployments(db: DbOrTrx, appId: string): Promise<Deployment[]> {
  return db
    .selectFrom('deployments')
    .selectAll()
    .where('app_id', '=', appId)
    .where('auto_deploy', '=', true)
    .where('status', '<>', 'destroyed')
    .orderBy('id')
    .execute();
}

/** Opted-in deployments (paused ones too: the pass reports them) with how many auto-updates each started since `since`. */
export async function autoUpdateCandidates(db: DbOrTrx, since: Date): Promise<(Deployment & { updates_since: number })[]> {
  const rows = await db
    .selectFrom('deployments as d')
    .selectAll('d')
    .select((eb) =>
      eb
        .selectFrom('operations as o')
        .select(sql<string>`count(*)`.as('n'))
        .whereRef('o.deployment_id', '=', 'd.id')
        .where('o.trigger', '=', 'auto_update')
        .where('o.created_at', '>=', since)
        .as('updates_since'),
    )
    .where('d.auto_update_enabled', '=', true)
    .where('d.status', '<>', 'destroyed')
    .orderBy('d.id')
    .execute();
  return rows.map((r) => ({ ...r, updates_since: Number(r.updates_since ?? 0) }));
}

/** Idempotent: the first pause (and its reason) stays until a resume. */
export async function pauseAutoUpdate(db: DbOrTrx, id: string, reason: string): Promise<void> {
  await db
    .updateTable('deployments')
    .set({ auto_update_paused_at: sql<Date>`now()` as unknown as Date, auto_update_pause_reason: reason })
    .where('id', '=', id)
    .where('auto_update_paused_at', 'is', null)
    .execute();
}

export async function resumeAutoUpdate(db: DbOrTrx, id: string): Promise<void> {
  await db.updateTable('deployments').set({ auto_update_paused_at: null, auto_update_pause_reason: null }).where('id', '=', id).execute();
}

export async function setAutomation(
  db: DbOrTrx,
  id: string,
  s: { autoDeploy?: boolean; autoUpdate?: { enabled: boolean; maxPerWeek: number } },
): Promise<void> {
  const patch = {
    ...(s.autoDeploy !== undefined ? { auto_deploy: s.autoDeploy } : {}),
    ...(s.autoUpdate ? { auto_update_enabled: s.autoUpdate.enabled, auto_update_max_per_week: s.autoUpdate.maxPerWeek } : {}),
  };
  if (Object.keys(patch).length === 0) return;
  await db
    .updateTable('deployments')
    .set({ ...patch, updated_at: sql<Date>`now()` as unknown as Date })
    .where('id', '=', id)
    .execute();
}
