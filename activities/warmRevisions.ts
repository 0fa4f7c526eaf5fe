import type { WarmRevision } from '../contract/operation';
import type { DbOrTrx } from '../db/database';
import { claimWarmRevisions, liveRevisions } from '../db/queries/revisions';
import type { Revision } from '../db/schema';
import type { ActivityDeps } from './deps';
import { phaseLog } from './operationLog';
import { isReadyAnswer, probeReadiness, readinessUrl } from './readinessProbe';

/**
 * Revisions of `version` that still run: warm ones, or ones this operation claimed already
 * (a retried attempt). With a readiness path, each must also answer one probe: a warm
 * revision that stopped answering is no rollback target. `live` is the deployment's
 * liveRevisions when the caller read them already (alongside other reads).
 */
export async function runningWarmRevisions(
  deps: ActivityDeps,
  q: { deploymentId: string; operationId: string; version: string; readinessPath?: string },
  live?: Revision[],
): Promise<Revision[]> {
  const candidates = (live ?? (await liveRevisions(deps.db, q.deploymentId))).filter(
    (r) => r.release_version === q.version && (r.status === 'warm' || (r.status === 'ready' && r.operation_id === q.operationId)),
  );
  const alive: Revision[] = [];
  for (const rev of candidates) {
    if (!rev.url || !(await deps.compute.status(rev.key))) continue;
    if (q.readinessPath && !isReadyAnswer(await probeReadiness(readinessUrl(rev.url, q.readinessPath), undefined, deps.probeFetch)))
      continue;
    alive.push(rev);
  }
  return alive;
}

/** warm → ready under this operation (one statement), so their retirement timers cannot stop them; the ones won. */
export async function claimWarm(db: DbOrTrx, revs: Revision[], operationId: string): Promise<WarmRevision[]> {
  const moved = await claimWarmRevisions(
    db,
    revs.map((r) => r.key),
    operationId,
  );
  return wonRevisions(revs, new Set(moved));
}

/** Of `revs` (runningWarmRevisions), the ones this operation holds: `moved` warm → ready just now, or ready before (a retry). */
export function wonRevisions(revs: Revision[], moved: ReadonlySet<string>): WarmRevision[] {
  return revs
    .filter((rev) => moved.has(rev.key) || rev.status === 'ready')
    .map((rev) => ({ key: rev.key, url: rev.url as string, slot: rev.slot, configRevision: rev.config_revision }));
}

/** The startRevision line that says which way the rollback goes. */
export async function logWarmClaim(deps: ActivityDeps, operationId: string, version: string, claimed: WarmRevision[]): Promise<void> {
  const log = phaseLog(deps, operationId, 'startRevision');
  if (claimed.length > 0) await log('claimed', `${claimed.map((c) => c.key).join(', ')} still warm: rolling back is a traffic switch`);
  else await log('not-warm', `no warm revision of ${version}: redeploying it`);
}
