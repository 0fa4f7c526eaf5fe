import { releaseMigrations } from '../db/queries/releaseOrder';
import type { Deployment } from '../db/schema';
import { irreversibleCrossed, migrationName } from '../domain/releasePhase';
import type { ApiContext } from './context';
import { conflict } from './errors';

/**
 * A rollback, or an upgrade to an older release, that steps back across a release whose
 * migration is irreversible: refused with 409 naming it, unless the caller says force.
 */
export async function refuseIrreversibleStepBack(ctx: ApiContext, d: Deployment, toVersion: string | null, force: boolean): Promise<void> {
  if (force || !toVersion) return;
  const from = d.serving_version ?? d.release_version;
  const crossed = irreversibleCrossed(await releaseMigrations(ctx.db, d.app_id), from, toVersion);
  if (crossed.length === 0) return;
  const names = crossed.map((r) => `${migrationName(r)} (release ${r.version})`);
  throw conflict(
    'irreversible_migration',
    `going from ${from} back to ${toVersion} crosses an irreversible migration: ${names.join(', ')}; send "force": true to go ahead anyway`,
    { migrations: crossed.map((r) => ({ version: r.version, name: migrationName(r) })) },
  );
}
