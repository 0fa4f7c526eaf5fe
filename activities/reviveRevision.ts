import { findDeployment } from '../db/queries/deployments';
import { findRevision, markRevisionServing } from '../db/queries/revisions';
import type { ActivityDeps } from './deps';
import { waitUntilReady } from './readinessWait';
import { prepareRevisionLaunch } from './revisionLaunch';
import { startServices } from './startServices';

/**
 * Starts a recorded revision again under its own key (same release, current env) and
 * points its route upstream at the new port. Used at worker boot for serving revisions
 * whose process is gone, and to undo a recreate whose new revision failed. It takes the
 * deploy's own start and readiness steps; only what it records differs.
 */
export async function reviveRevision(deps: ActivityDeps, key: string, onWait: () => void = () => undefined): Promise<string> {
  const rev = await findRevision(deps.db, key);
  const d = rev && (await findDeployment(deps.db, rev.deployment_id));
  if (!rev || !d) throw new Error(`revision ${key} is not recorded`);
  const launch = await prepareRevisionLaunch(deps, { key, deploymentId: rev.deployment_id, version: rev.release_version });
  const { url } = await startServices(deps, launch, { onWait, timeoutSeconds: deps.settings.readinessTimeoutSeconds });

  const timeoutSeconds = deps.settings.readinessTimeoutSeconds;
  const outcome = await waitUntilReady(deps, {
    key,
    url,
    readinessPath: launch.readinessPath,
    deadline: deps.clock.now() + timeoutSeconds * 1000,
    onWait,
  });
  if (!outcome.ready)
    throw new Error(
      outcome.reason === 'crashed' ? `${key} exited before it became ready` : `${key} was not ready within ${timeoutSeconds}s`,
    );
  await markRevisionServing(deps.db, key, url);
  const route = await deps.router.getRoute(rev.deployment_id);
  const others = (route?.upstreams ?? []).filter((u) => u.key !== key);
  await deps.router.setRoute({
    deploymentId: rev.deployment_id,
    hostname: d.hostname,
    upstreams: [...others, { key, url, weight: 100 }],
    suspended: null,
  });
  return url;
}
