import { sql } from 'kysely';
import type { DbOrTrx } from '../database';
import type { MassUpgrade } from './massUpgrades';
import { afterKey, cursorTime, orderByKey, runPage, type KeysetOrder, type Page, type PageRequest } from './keyset';

/** Rollouts newest first. */
export const MASS_UPGRADE_ORDER: KeysetOrder = {
  columns: ['mass_upgrades.created_at', 'mass_upgrades.id'],
  kinds: ['timestamp', 'text'],
  direction: 'desc',
};

/** A rollout's items in plan order: wave, then place in the wave. The plan never changes once stored. */
export const ROLLOUT_ITEM_ORDER: KeysetOrder = { columns: ['w.ord', 'e.ord'], kinds: ['integer', 'integer'], direction: 'asc' };

export type ListedMassUpgrade = MassUpgrade & { page_at: string };

export function listMassUpgradesPage(
  db: DbOrTrx,
  f: { appId?: string; status?: MassUpgrade['status'] },
  page: PageRequest,
): Promise<Page<ListedMassUpgrade>> {
  let q = db.selectFrom('mass_upgrades').selectAll('mass_upgrades').select(cursorTime('mass_upgrades.created_at').as('page_at'));
  if (f.appId !== undefined) q = q.where('mass_upgrades.app_id', '=', f.appId);
  if (f.status !== undefined) q = q.where('mass_upgrades.status', '=', f.status);
  if (page.after) q = q.where(afterKey(MASS_UPGRADE_ORDER, page.after));
  const built = q.orderBy(orderByKey(MASS_UPGRADE_ORDER));
  return runPage(
    (n) => built.limit(n).execute(),
    page,
    (m) => [m.page_at, m.id],
  );
}

export interface RolloutItem {
  wave: number;
  position: number;
  deployment_id: string;
  /** The newest operation this rollout started on the deployment; null while it has not started one. */
  operation_id: string | null;
  operation_status: string | null;
  error_type: string | null;
  error_message: string | null;
}

/** One row per deployment of the stored plan, with what the rollout did to it so far. */
export function listRolloutItemsPage(db: DbOrTrx, massUpgradeId: string, page: PageRequest): Promise<Page<RolloutItem>> {
  const after = page.after ? sql`and ${afterKey(ROLLOUT_ITEM_ORDER, page.after)}` : sql``;
  return runPage(
    async (n) =>
      (
        await sql<RolloutItem>`
          select w.ord::int as wave, e.ord::int as position, e.value #>> '{}' as deployment_id,
                 op.id as operation_id, op.status as operation_status, op.error_type, op.error_message
          from mass_upgrades m
          cross join lateral jsonb_array_elements(coalesce(m.plan -> 'waves', '[]'::jsonb)) with ordinality w(value, ord)
          cross join lateral jsonb_array_elements(w.value) with ordinality e(value, ord)
          left join lateral (
            select o.id, o.status, o.error_type, o.error_message from operations o
            where o.mass_upgrade_id = m.id and o.deployment_id = e.value #>> '{}'
            order by o.created_at desc, o.id desc limit 1
          ) op on true
          where m.id = ${massUpgradeId} ${after}
          order by ${orderByKey(ROLLOUT_ITEM_ORDER)}
          limit ${n}`.execute(db)
      ).rows,
    page,
    (i) => [i.wave, i.position],
  );
}
