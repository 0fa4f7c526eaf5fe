import type { Db } from '../db/database';
import type { ComputeProvider } from '../src/compute/computeProvider';
import type { TrafficRouter } from '../src/traffic/trafficRouter';
import type { Logger } from '../src/logger';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Where a release's immutable artifact lives on this machine. */
export interface ArtifactLocator {
  get(digest: string): Promise<string | null>;
}

export interface ActivityDeps {
  db: Db;
  compute: ComputeProvider;
  router: TrafficRouter;
  artifacts: ArtifactLocator;
  clock: Clock;
  logger: Logger;
  settings: {
    /** Readiness probes start fast and back off to this interval. */
    readinessIntervalMs: number;
    readinessTimeoutSeconds: number;
    stopGraceMs: number;
    /** How long a replaced blue-green revision stays warm for an instant rollback. */
    rollbackWindowSeconds: number;
    /** Cap on waiting for in-flight requests on a replaced revision. */
    drainTimeoutSeconds: number;
  };
}
