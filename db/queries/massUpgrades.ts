import { sql } from 'kysely';
import type { DbOrTrx } from '../database';
import type { Deployment, MassUpgradesTable } from '../schema';
import type { Selectable } from 'kysely';
import type { WaveSize } from '../../domain/massUpgrade/options';
import { selectCandidates, type CandidateFacts } from '../../domain/massUpgrade/selection';
import { planWaves } from '../../domain/massUpgrade/waves';

export type MassUpgrade = Selectable<MassUpgradesTable>;

/** Rollouts that still act on their app: a second one for the same app is refused. */
export const ACTIVE_MASS_UPGRADE_STATUSES = ['running', 'paused', 'baking', 'halting', 'cancelling'];

export async function insertMassUpgrade(
  db: DbOrTrx,
  m: { id: string; appId: string; targetVersion: string; options: unknown; workflowId: string; actor: string },
): Promise<MassUpgrade> {
  return db
    .insertInto('mass_upgrades')
    .values({
      id: m.id,
      app_id: m.appId,
      target_version: m.targetVersion,
      status: 'running',
      options: JSON.stringify(m.options),
      workflow_id: m.workflowId,
      actor: m.actor,
      halt_reason: null,
      finished_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findMassUpgrade(db: DbOrTrx, id: string): Promise<MassUpgrade | null> {
  return (await db.selectFrom('mass_upgrades').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function activeMassUpgradeForApp(db: DbOrTrx, appId: string): Promise<MassUpgrade | null> {
  return (
    (await db
      .selectFrom('mass_upgrades')
      .selectAll()
      .where('app_id', '=', appId)
      .where('status', 'in', ACTIVE_MASS_UPGRADE_STATUSES)
      .executeTakeFirst()) ?? null
  );
}

export async function updateMassUpgrade(
  db: DbOrTrx,
  id: string,
  patch: { status?: string; progress?: unknown; plan?: unknown; haltReason?: string | null; finished?: boolean },
): Promise<void> {
  await db
    .updateTable('mass_upgrades')
    .set({
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.progress !== undefined ? { progress: JSON.stringify(patch.progress) } : {}),
      ...(patch.plan !== undefined ? { plan: JSON.stringify(patch.plan) } : {}),
      ...(patch.haltReason !== undefined ? { halt_reason: patch.haltReason } : {}),
      ...(patch.finished ? { finished_at: sql<Date>`coalesce(finished_at, now())` as unknown as Date } : {}),
      updated_at: sql<Date>`now()` as unknown as Date,
    })
    .where('id', '=', id)
    .execute();
}

/** The facts selection needs, for every deployment of an app (a few columns: fine for tens of thousands). */
export async function candidateFacts(db: DbOrTrx, appId: string): Promise<CandidateFacts[]> {
  const rows = await db
    .selectFrom('deployments')
    .select(['id', 'tenant_id', 'status', 'release_version', 'serving_version'])
    .where('app_id', '=', appId)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    status: r.status,
    releaseVersion: r.release_version,
    servingVersion: r.serving_version,
  }));
}

export function deploymentsByIds(db: DbOrTrx, ids: string[]): Promise<Deployment[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('deployments').selectAll().where('id', 'in', ids).execute();
}

/**
 * The one place a rollout's waves are cut, from the fleet as it is now: the dry run and
 * the real run both call it, so a dry run lists exactly what a run started at the same
 * moment would do.
 */
export async function planFleetRollout(
  db: DbOrTrx,
  appId: string,
  targetVersion: string,
  rules: { tenants?: readonly string[]; fromVersions?: readonly string[]; suspended: 'skip' | 'resume'; waves: readonly WaveSize[] },
): Promise<{ waves: string[][]; facts: Map<string, CandidateFacts> }> {
  const facts = await candidateFacts(db, appId);
  const ids = selectCandidates(facts, { ...rules, targetVersion });
  return { waves: planWaves(ids, rules.waves), facts: new Map(facts.map((f) => [f.id, f])) };
}
