import type { ActivityDeps } from '../activities/deps';
import { reviveRevision } from '../activities/reviveRevision';
import { revisionServices } from '../activities/revisionServices';
import { servingRevisionKeys } from '../db/queries/revisions';

/**
 * After a whole-machine restart (or `npm start` after Ctrl-C, which stops app processes),
 * the revisions the database says are serving are started again under the same keys and
 * the router is pointed at their new ports. Revisions whose process survived are left
 * alone. Runs once at worker boot, before the worker polls; it changes no versions, so it
 * is a repair, not an operation.
 */
export async function restoreServingRevisions(deps: ActivityDeps): Promise<string[]> {
  const restored: string[] = [];
  for (const key of await servingRevisionKeys(deps.db)) {
    const services = await revisionServices(deps, key);
    if ((await Promise.all(services.map((s) => deps.compute.status(s.key)))).every(Boolean)) continue;
    try {
      const url = await reviveRevision(deps, key);
      restored.push(key);
      deps.logger.info({ key, url }, 'restored serving revision');
    } catch (err) {
      deps.logger.error({ err, key }, 'could not restore serving revision; retry or redeploy the deployment');
    }
  }
  return restored;
}
