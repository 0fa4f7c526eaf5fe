import type { Db } from '../db/database';
import type { ComputeProvider } from '../ports/compute';
import type { TrafficRouter } from '../ports/traffic';
import type { Logger } from '../ports/logger';
import type { ArtifactLocator } from '../ports/artifacts';
import type { Clock } from '../ports/clock';
import type { SecretCipher } from '../db/secretCipher';
import type { ProbeFetch } from './readinessProbe';
import type { FaultPoints } from '../ports/faultPoints';
import type { ImageRegistry } from '../ports/imageRegistry';

export type { ArtifactLocator, Clock };

export interface ActivityDeps {
  db: Db;
  compute: ComputeProvider;
  router: TrafficRouter;
  artifacts: ArtifactLocator;
  clock: Clock;
  logger: Logger;
  /** Seals and opens secret env values (AES-256-GCM, src/secretKey.ts loads the key). */
  secrets: SecretCipher;
  /** Where image services' pinned references are checked before an operation stops anything; absent: no images here. */
  images?: ImageRegistry;
  /** The readiness probe's HTTP call; the global fetch when absent. */
  probeFetch?: ProbeFetch;
  /** Where crash tests kill the worker; `noFaults` everywhere else. */
  faults: FaultPoints;
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
