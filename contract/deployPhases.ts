import type { Slot } from '../domain/operations';
import type { OperationRef } from './operation';

// Inputs and results of the deploy path's activities, as the workflow passes and reads them.

export interface ResolveEnvInput extends OperationRef {
  version: string;
}

/** Names only: the workflow learns which variables exist, never their values. */
export interface ResolvedEnvSummary {
  keys: string[];
  secretKeys: string[];
}

/** The manifest's release step of `version`, run once for the operation. */
export interface ReleaseStepInput extends OperationRef {
  version: string;
}

export interface StartRevisionInput extends OperationRef {
  version: string;
  configRevision: number;
  slot: Slot;
  /** The operation whose revision this is (a retry passes the operation it retries). */
  owner: string;
  /** Replica index, for deployments that run several processes behind one route. */
  replica?: number;
}

export interface StartedRevision {
  key: string;
  url: string;
  slot: Slot;
}

export interface RevisionRef {
  key: string;
  url: string;
}

export interface SwitchTrafficInput extends OperationRef {
  hostname: string;
  /** Every replica of the new revision; they take traffic together. */
  revisions: RevisionRef[];
}

export interface SwitchTrafficResult {
  previousKeys: string[];
  supersededKeys: string[];
}

export interface DrainInput extends OperationRef {
  keys: string[];
  timeoutSeconds: number;
}

export interface DrainResult {
  drained: boolean;
  inFlight: number;
  waitedMs: number;
}

export interface SuspendRouteInput extends OperationRef {
  hostname: string;
  reason: string;
  retryAfterSeconds: number;
}
