import type { Readiness } from '../domain/manifest';
import type { ActivityDeps } from './deps';
import { waitUntilReady, type ReadinessOutcome } from './readinessWait';

export interface ServiceReadinessWait {
  key: string;
  readiness: Readiness;
  /** Epoch ms (deps.clock) after which the service has timed out. */
  deadline: number;
  signal?: AbortSignal;
  cancelled?: Promise<unknown>;
  onWait?: (progress: { probes: number; last: number | string }) => void;
}

/**
 * Readiness of one service of a revision: its HTTP path answering 2xx on its own endpoint, or
 * (for a service without HTTP) its process still running `runningSeconds` after it started.
 * The start time comes from the provider, so a retried check does not restart the count.
 */
export async function waitForService(deps: ActivityDeps, w: ServiceReadinessWait): Promise<ReadinessOutcome> {
  if ('path' in w.readiness) {
    const running = await deps.compute.status(w.key);
    if (!running) return { ready: false, reason: 'crashed', probes: 0, last: 'not running' };
    const url = `http://${running.endpoint.host}:${running.endpoint.port}`;
    return waitUntilReady(deps, { ...w, url, readinessPath: w.readiness.path });
  }
  const needMs = w.readiness.runningSeconds * 1000;
  for (let probes = 1; ; probes++) {
    const running = await deps.compute.status(w.key);
    if (!running) return { ready: false, reason: 'crashed', probes, last: 'exited' };
    const ranMs = deps.clock.now() - Date.parse(running.startedAt);
    if (ranMs >= needMs) return { ready: true, probes };
    if (deps.clock.now() >= w.deadline) return { ready: false, reason: 'timeout', probes, last: `running for ${ranMs} ms` };
    w.onWait?.({ probes, last: `running for ${ranMs} ms` });
    const delay = Math.min(needMs - ranMs, deps.settings.readinessIntervalMs);
    await (w.cancelled ? Promise.race([deps.clock.sleep(delay), w.cancelled]) : deps.clock.sleep(delay));
  }
}
