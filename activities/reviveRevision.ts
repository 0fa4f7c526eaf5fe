import { findDeployment } from '../db/queries/deployments';
import { findRevision, markRevisionServing } from '../db/queries/revisions';
import { webService } from '../domain/manifest';
import type { ActivityDeps } from './deps';
import { isReadyAnswer, nextProbeDelay, probeReadiness } from './readinessProbe';
import { resolveRevisionEnv } from './revisionEnv';

/**
 * Starts a recorded revision again under its own key (same release, current env) and
 * points its route upstream at the new port. Used at worker boot for serving revisions
 * whose process is gone, and to undo a recreate whose new revision failed.
 */
export async function reviveRevision(deps: ActivityDeps, key: string, onWait: () => void = () => undefined): Promise<string> {
  const rev = await findRevision(deps.db, key);
  const d = rev && (await findDeployment(deps.db, rev.deployment_id));
  if (!rev || !d) throw new Error(`revision ${key} is not recorded`);
  const { release, manifest, plan } = await resolveRevisionEnv(deps.db, rev.deployment_id, rev.release_version);
  const artifactDir = await deps.artifacts.get(release.artifact_digest);
  if (!artifactDir) throw new Error(`artifact of ${rev.release_version} is missing`);
  if (plan.missing.length > 0) throw new Error(`env is missing ${plan.missing.join(', ')}`);
  const service = webService(manifest);
  const running = await deps.compute.start({
    key,
    deploymentId: rev.deployment_id,
    artifactDir,
    command: service.command,
    env: plan.values,
    portEnv: service.portEnv,
  });
  const url = `http://${running.endpoint.host}:${running.endpoint.port}`;

  const deadline = deps.clock.now() + deps.settings.readinessTimeoutSeconds * 1000;
  let delay = 0;
  while (!isReadyAnswer(await probeReadiness(new URL(service.readiness.path, url).toString()))) {
    if (deps.clock.now() > deadline) throw new Error(`${key} was not ready within ${deps.settings.readinessTimeoutSeconds}s`);
    onWait();
    delay = nextProbeDelay(delay, deps.settings.readinessIntervalMs);
    await deps.clock.sleep(delay);
  }
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
