import type { Cidr } from '../domain/notifications/addressPolicy';
import type { Db } from '../db/database';
import type { FaultPoints } from '../ports/faultPoints';
import type { ImageRegistry } from '../ports/imageRegistry';
import type { Logger } from '../ports/logger';
import type { TrafficRouter } from '../ports/traffic';
import type { SecretCipher } from '../db/secretCipher';
import type { AuthFailureLimits } from './authFailureLimiter';
import type { TemporalTarget } from './operationStarter';

/** Snapshots a directory into the content-addressed store (the local artifact store). */
export interface ArtifactPublisher {
  put(sourceDir: string): Promise<{ digest: string; dir: string }>;
  /** Retention: deletes an artifact no kept release references. */
  remove(digest: string): Promise<void>;
}

/** What route plugins get; built once in buildApp. */
export interface ApiContext {
  db: Db;
  temporal: TemporalTarget;
  artifacts: ArtifactPublisher;
  /** Resolves image tags to digests at release creation; absent: releases by image are refused with a 400. */
  images?: ImageRegistry;
  logger: Logger;
  /** Where crash tests kill the API; `noFaults` everywhere else. */
  faults: FaultPoints;
  /** Public base of the router, e.g. http://localhost:8080, for each deployment's URL. */
  routerPublicPort: number;
  routeDomain: string;
  /** Seals secret env values before they reach the database. */
  secrets: SecretCipher;
  /** Failed token checks per client address before 429 (default DEFAULT_AUTH_FAILURE_LIMIT). */
  authFailureLimits?: AuthFailureLimits;
  /** Private ranges a tenant's webhook may reach; absent: public addresses only. */
  notificationAllowedCidrs?: readonly Cidr[];
  /** Read-only here: GET /api/deployments/:id/traffic asks it for counters; absent → 503. */
  router?: Pick<TrafficRouter, 'getRoute' | 'stats'>;
}
