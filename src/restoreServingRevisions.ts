import type { ActivityDeps } from '../activities/deps';
import { isReadyAnswer, nextProbeDelay, probeReadiness } from '../activities/readinessProbe';
import { resolveRevisionEnv } from '../activities/revisionEnv';
import { webService } from '../domain/manifest';

/**
 * After a whole-machine restart (or `npm start` after Ctrl-C, which stops app processes),
 * the revisions the database says are serving are started again under the same keys and
 * the router is pointed at their new ports. Revisions whose process survived are left
 * alone. Runs once at worker boot, before the worker polls; it changes no versions, so
 * it is a repair, not an operation.
 */
export async function restoreServingRevisions(deps: ActivityDeps): Promise<string[]> {
  const rows = await deps.db
    .selectFrom('revisions')
    .innerJoin('deployments', 'deployments.id', 'revisions.deployment_id')
    .select(['revisions.key', 'revisions.deployment_id', 'revisions.release_version', 'revisions.url', 'deployments.hostname'])
    .where('revisions.status', '=', 'serving')
    .where('deployments.status', 'not in', ['destroyed', 'destroying', 'suspended'])
    .execute();
  const restored: string[] = [];
  for (const row of rows) {
    if (await deps.compute.status(row.key)) continue;
    try {
      const { release, manifest, plan } = await resolveRevisionEnv(deps.db, row.deployment_id, row.release_version);
      const artifactDir = await deps.artifacts.get(release.artifact_digest);
      if (!artifactDir || plan.missing.length > 0) throw new Error('artifact or env missing');
      const service = webService(manifest);
      const running = await deps.compute.start({ key: row.key, deploymentId: row.deployment_id, artifactDir, command: service.command, env: plan.values, portEnv: service.portEnv });
      const url = `http://${running.endpoint.host}:${running.endpoint.port}`;
      await waitReady(deps, new URL(service.readiness.path, url).toString());
      const route = await deps.router.getRoute(row.deployment_id);
      const upstreams = (route?.upstreams ?? [{ key: row.key, url, weight: 100 }]).map((u) => (u.key === row.key ? { ...u, url } : u));
      await deps.router.setRoute({ deploymentId: row.deployment_id, hostname: row.hostname, upstreams, suspended: route?.suspended ?? null });
      await deps.db.updateTable('revisions').set({ url }).where('key', '=', row.key).execute();
      restored.push(row.key);
      deps.logger.info({ key: row.key, url }, 'restored serving revision');
    } catch (err) {
      deps.logger.error({ err, key: row.key }, 'could not restore serving revision; retry or redeploy the deployment');
    }
  }
  return restored;
}

async function waitReady(deps: ActivityDeps, url: string): Promise<void> {
  const deadline = deps.clock.now() + deps.settings.readinessTimeoutSeconds * 1000;
  let delay = 0;
  while (!isReadyAnswer(await probeReadiness(url))) {
    if (deps.clock.now() > deadline) throw new Error(`not ready within ${deps.settings.readinessTimeoutSeconds}s`);
    delay = nextProbeDelay(delay, deps.settings.readinessIntervalMs);
    await deps.clock.sleep(delay);
  }
}

