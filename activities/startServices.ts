import { FailureType } from '../domain/failures';
import type { ActivityDeps } from './deps';
import { nonRetryable } from './failure';
import { launchRevision, type RevisionLaunch } from './revisionLaunch';
import { waitForService } from './serviceReadiness';

export interface StartServicesOptions {
  /** Operation log line for a program that cannot start. */
  onNotRunnable?: (message: string) => Promise<void>;
  /** Called while waiting on a dependency (heartbeats). */
  onWait?: () => void;
  /** How long a dependency may take to become ready. */
  timeoutSeconds: number;
}

/**
 * Starts every service of a revision in dependsOn order; a service starts only once what it
 * depends on is ready ("databases first, then compute"). Every start is idempotent per key, so a
 * retry after a crash finds the services already running and starts only the rest. Returns the
 * web service's endpoint; its own readiness is the deploy's awaitReady step.
 */
export async function startServices(
  deps: ActivityDeps,
  launch: RevisionLaunch,
  options: StartServicesOptions,
): Promise<{ url: string; pid: number }> {
  const ready = new Set<string>();
  let web: { url: string; pid: number } | undefined;
  for (const service of launch.services) {
    for (const dep of service.dependsOn) {
      if (ready.has(dep)) continue;
      const upstream = launch.services.find((s) => s.spec.service === dep);
      if (!upstream) continue; // ManifestSchema refuses unknown names; rows written before it did just skip the wait
      const outcome = await waitForService(deps, {
        key: upstream.spec.key,
        readiness: upstream.readiness,
        deadline: deps.clock.now() + options.timeoutSeconds * 1000,
        onWait: options.onWait,
      });
      if (!outcome.ready) {
        throw nonRetryable(
          outcome.reason === 'crashed' ? FailureType.RevisionCrashed : FailureType.ReadinessTimeout,
          `service ${dep} of ${launch.spec.key} ${outcome.reason === 'crashed' ? 'exited before it became ready' : `was not ready within ${options.timeoutSeconds}s`}, so ${service.spec.service} (which depends on it) did not start`,
        );
      }
      ready.add(dep);
    }
    const started = await launchRevision(deps, service, options.onNotRunnable);
    if (service.web) web = started;
  }
  if (!web) throw new Error(`revision ${launch.spec.key} has no web service`);
  return web;
}
