import type { DbOrTrx } from '../database';

/** Every release with what it runs, for retention (domain/retention.ts). */
export function releasesForRetention(db: DbOrTrx) {
  return db.selectFrom('releases').select(['app_id', 'version', 'created_at', 'manifest', 'artifact_digest']).execute();
}

/**
 * (app, version) pairs something still needs: what a live deployment runs, wants, serves or could
 * roll back to, what a revision that is not stopped runs (warm ones included), and what an
 * operation in flight targets.
 */
export async function referencedReleases(db: DbOrTrx): Promise<{ appId: string; version: string }[]> {
  const deployments = await db
    .selectFrom('deployments')
    .select(['app_id', 'release_version', 'serving_version', 'previous_version'])
    .where('status', '!=', 'destroyed')
    .execute();
  const revisions = await db
    .selectFrom('revisions')
    .innerJoin('deployments', 'deployments.id', 'revisions.deployment_id')
    .select(['deployments.app_id', 'revisions.release_version'])
    .where('revisions.status', '!=', 'stopped')
    .execute();
  const operations = await db
    .selectFrom('operations')
    .innerJoin('deployments', 'deployments.id', 'operations.deployment_id')
    .select(['deployments.app_id', 'operations.to_version', 'operations.from_version'])
    .where('operations.status', 'in', ['pending', 'running'])
    .execute();
  const rollouts = await db.selectFrom('mass_upgrades').select(['app_id', 'target_version']).where('finished_at', 'is', null).execute();
  return [
    ...deployments.flatMap((d) =>
      [d.release_version, d.serving_version, d.previous_version].flatMap((v) => (v ? [{ appId: d.app_id, version: v }] : [])),
    ),
    ...revisions.map((r) => ({ appId: r.app_id, version: r.release_version })),
    ...operations.flatMap((o) => [o.to_version, o.from_version].flatMap((v) => (v ? [{ appId: o.app_id, version: v }] : []))),
    ...rollouts.map((m) => ({ appId: m.app_id, version: m.target_version })),
  ];
}
