import { sql, type Selectable } from 'kysely';
import type { MassUpgradeOptions, WaveSize } from '../../domain/massUpgrade/options';
import { ACTIVE_STATUSES, type MassUpgradeProgress, type MassUpgradeStatus } from '../../domain/massUpgrade/progress';
import { selectCandidates, type CandidateFacts } from '../../domain/massUpgrade/selection';
import { planWaves, type MassUpgradePlan } from '../../domain/massUpgrade/waves';
import { isTerminalOperationStatus, TERMINAL_OPERATION_STATUSES, type TerminalOperationStatus } from '../../domain/operations';
import type { DbOrTrx } from '../database';
import type { Deployment, MassUpgradesTable, NewOperation } from '../schema';

export type MassUpgrade = Selectable<MassUpgradesTable>;

export async function insertMassUpgrade(
  db: DbOrTrx,
  m: { id: string; appId: string; targetVersion: string; options: MassUpgradeOptions; workflowId: string; actor: string },
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
      .where('status', 'in', ACTIVE_STATUSES)
      .executeTakeFirst()) ?? null
  );
}

export async function updateMassUpgrade(
  db: DbOrTrx,
  id: string,
  patch: {
    status?: MassUpgradeStatus;
    progress?: MassUpgradeProgress;
    plan?: MassUpgradePlan;
    haltReason?: string | null;
    finished?: boolean;
  },
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

/** One page of one wave's ids: only the wave asked for leaves Postgres, not the whole plan. */
export async function wavePage(db: DbOrTrx, id: string, page: { wave: number; offset: number; limit: number }): Promise<string[]> {
  const row = await db
    .selectFrom('mass_upgrades')
    .select(sql<string[] | null>`plan->'waves'->(${page.wave}::int)`.as('wave'))
    .where('id', '=', id)
    .executeTakeFirst();
  return (row?.wave ?? []).slice(page.offset, page.offset + page.limit);
}

/** Rows whose ids are derived from the rollout, deployment and attempt: a repeated call inserts nothing new. */
export async function insertItemOperations(db: DbOrTrx, rows: NewOperation[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('operations')
    .values(rows)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** An item whose child never started (its deployment was busy): its row goes, as the API's does on a 409. */
export async function deletePendingOperation(db: DbOrTrx, operationId: string): Promise<void> {
  await db.deleteFrom('operations').where('id', '=', operationId).where('status', '=', 'pending').execute();
}

export interface EndedOperation {
  operationId: string;
  status: TerminalOperationStatus;
  errorType: string | null;
  errorMessage: string | null;
}

/** Those of the given operations that already ended, with their outcome. */
export async function endedOperations(db: DbOrTrx, operationIds: string[]): Promise<EndedOperation[]> {
  if (operationIds.length === 0) return [];
  const rows = await db
    .selectFrom('operations')
    .select(['id', 'status', 'error_type', 'error_message'])
    .where('id', 'in', operationIds)
    .where('status', 'in', TERMINAL_OPERATION_STATUSES)
    .execute();
  return rows.flatMap((r) =>
    isTerminalOperationStatus(r.status)
      ? [{ operationId: r.id, status: r.status, errorType: r.error_type, errorMessage: r.error_message }]
      : [],
  );
}

/** App slugs by app id, for the rollout views (a platform has few apps). */
export async function appSlugs(db: DbOrTrx): Promise<Map<string, string>> {
  return new Map((await db.selectFrom('apps').select(['id', 'slug']).execute()).map((a) => [a.id, a.slug]));
}
