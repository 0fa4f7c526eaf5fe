import { casRevisionStatus, liveRevisions } from '../db/queries/revisions';
import type { ActivityDeps } from './deps';
import { completePhase, enterPhase, phaseLog } from './operationLog';
import type { RevisionRef, SwitchTrafficInput, SwitchTrafficResult } from '../contract/deployPhases';

/**
 * The blue-green swap itself: the whole route to `revisions`, a suspension lifted. Setting
 * it again is a no-op for the router (counters of the same keys carry over), which is what
 * lets a warm rollback switch inside its claim step and switchTraffic repeat it.
 */
export function routeTo(deps: ActivityDeps, route: { deploymentId: string; hostname: string; revisions: RevisionRef[] }): Promise<void> {
  return deps.router.setRoute({
    deploymentId: route.deploymentId,
    hostname: route.hostname,
    upstreams: route.revisions.map((r) => ({ key: r.key, url: r.url, weight: 100 })),
    suspended: null,
  });
}

/**
 * Blue-green: the whole route moves to the new revision in one atomic swap (which also
 * lifts a suspension). Whatever served before becomes warm, tagged with this operation
 * so only its retirement timer may stop it. Revisions that were already warm from an
 * earlier operation are superseded: only the latest previous revision stays warm, so a
 * deployment runs at most two revisions once a switch is done. Returns both lists (the
 * same lists on a retried attempt).
 */
export function createSwitchTraffic(deps: ActivityDeps) {
  return async function switchTraffic(input: SwitchTrafficInput): Promise<SwitchTrafficResult> {
    const keys = input.revisions.map((r) => r.key);
    const log = phaseLog(deps, input.operationId, 'switchTraffic');
    // The route first: the phase's row and event are bookkeeping, and until the switch users
    // wait on the old version (a warm rollback waits on nothing else).
    await routeTo(deps, input);
    await enterPhase(deps, input.operationId, 'switchTraffic');
    await deps.db.transaction().execute(async (trx) => {
      for (const rev of await liveRevisions(trx, input.deploymentId)) {
        if (!keys.includes(rev.key) && rev.status === 'serving') {
          await casRevisionStatus(trx, rev.key, ['serving'], 'warm', { retire_token: input.operationId });
        }
      }
      for (const key of keys) await casRevisionStatus(trx, key, ['starting', 'ready', 'warm'], 'serving', { retire_token: null });
    });
    const live = await liveRevisions(deps.db, input.deploymentId);
    const previousKeys = live.filter((r) => r.status === 'warm' && r.retire_token === input.operationId).map((r) => r.key);
    const supersededKeys = live
      .filter((r) => (r.status === 'warm' || r.status === 'retiring') && r.retire_token !== input.operationId)
      .map((r) => r.key);
    await log(
      'switched',
      `${input.hostname} now routes to ${keys.join(', ')}${previousKeys.length ? `; kept warm: ${previousKeys.join(', ')}` : ''}`,
    );
    await completePhase(deps, input.deploymentId, 'switchTraffic');
    return { previousKeys, supersededKeys };
  };
}
