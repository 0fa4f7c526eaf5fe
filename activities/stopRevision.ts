import { Context } from '@temporalio/activity';
import { casRevisionStatus, findRevision, liveRevisions, setRevisionStatus } from '../db/queries/revisions';
import type { RevisionStatus } from '../db/schema';
import type { ActivityDeps } from './deps';
import { revisionServices } from './revisionServices';

/** Stops the revision's processes (idempotent) and records it, heartbeating through the grace periods. */
export async function stopRevisionProcess(deps: ActivityDeps, key: string): Promise<void> {
  const beat = setInterval(() => {
    try {
      Context.current().heartbeat({ stopping: key });
    } catch {
      /* not inside an activity (boot-time repair) */
    }
  }, 1000);
  try {
    // Reverse start order: what others depend on stops last.
    for (const service of (await revisionServices(deps, key)).reverse()) {
      await deps.compute.stop(service.key, { graceMs: deps.settings.stopGraceMs });
    }
  } finally {
    clearInterval(beat);
  }
  await setRevisionStatus(deps.db, key, 'stopped');
}

/**
 * Stops the given live revisions of a deployment, or all of them. Claims each one first
 * (→ retiring) so a concurrent rollback cannot route traffic to a process being stopped.
 */
export async function stopRevisions(
  deps: ActivityDeps,
  deploymentId: string,
  keys: string[] | 'all',
  from: RevisionStatus[],
): Promise<string[]> {
  const live = await liveRevisions(deps.db, deploymentId);
  const stopped: string[] = [];
  for (const rev of live) {
    if (keys !== 'all' && !keys.includes(rev.key)) continue;
    if (rev.status !== 'retiring' && !(await casRevisionStatus(deps.db, rev.key, from, 'retiring'))) continue;
    await stopRevisionProcess(deps, rev.key);
    stopped.push(rev.key);
  }
  return stopped;
}

/** Retirement at the end of a rollback window: only the operation that made it warm may stop it. */
export async function retireIfStillWarm(deps: ActivityDeps, key: string, token: string): Promise<boolean> {
  const rev = await findRevision(deps.db, key);
  if (!rev) return false;
  if (rev.status === 'warm' && rev.retire_token === token) {
    if (!(await casRevisionStatus(deps.db, key, ['warm'], 'retiring'))) return false;
  } else if (!(rev.status === 'retiring' && rev.retire_token === token)) {
    return false;
  }
  await stopRevisionProcess(deps, key);
  return true;
}
