import type { ActivityDeps } from './deps';
import { isReadyAnswer, nextProbeDelay, probeReadiness, readinessUrl } from './readinessProbe';

export type ReadinessOutcome =
  { ready: true; probes: number } | { ready: false; reason: 'crashed' | 'timeout'; probes: number; last: number | string };

export interface ReadinessWait {
  key: string;
  url: string;
  readinessPath: string;
  /** Epoch ms (deps.clock) after which a revision that is still not ready has timed out. */
  deadline: number;
  signal?: AbortSignal;
  /** Ends the sleep between probes early (an activity's cancellation). */
  cancelled?: Promise<unknown>;
  /** Between probes: heartbeats, fault points. */
  onWait?: (progress: { probes: number; last: number | string }) => void;
}

/**
 * Probes the readiness path, fast at first and backing off, until it answers 2xx, the
 * process is gone, or the deadline passes. Says which; the caller decides how to fail.
 * The deploy's readiness phase and the revive of a recorded revision share it.
 */
export async function waitUntilReady(deps: ActivityDeps, w: ReadinessWait): Promise<ReadinessOutcome> {
  // Built from the revision's own endpoint; a path that would leave it throws ProbeTargetError.
  const target = readinessUrl(w.url, w.readinessPath);
  let delay = 0;
  for (let probes = 1; ; probes++) {
    const last = await probeReadiness(target, w.signal, deps.probeFetch);
    if (isReadyAnswer(last)) return { ready: true, probes };
    if (!(await deps.compute.status(w.key))) return { ready: false, reason: 'crashed', probes, last };
    if (deps.clock.now() >= w.deadline) return { ready: false, reason: 'timeout', probes, last };
    w.onWait?.({ probes, last });
    delay = nextProbeDelay(delay, deps.settings.readinessIntervalMs);
    await (w.cancelled ? Promise.race([deps.clock.sleep(delay), w.cancelled]) : deps.clock.sleep(delay));
  }
}
