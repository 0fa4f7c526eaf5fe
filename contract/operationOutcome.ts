import type { OperationKind, Slot } from '../domain/operations';
import type { OperationRef } from './operation';

/** What serves after an operation succeeded. */
export interface ServingAfter {
  version: string;
  slot: Slot;
  configRevision: number;
}

export interface CompleteOperationInput extends OperationRef {
  /** The kind whose outcome this is (for a retry: the kind it retried). */
  kind: OperationKind;
  /** What serves now; null when nothing does (suspended, destroyed). */
  serving: ServingAfter | null;
  /** A scale operation records the replica count it reached. */
  replicas?: number;
}

export interface FailOperationInput extends OperationRef {
  kind: OperationKind;
  errorType: string;
  errorMessage: string;
  cancelled?: boolean;
  /** Ended on purpose before any switch (a preview aborted or timed out): recorded as cancelled, and the deployment reads as before. */
  abandoned?: boolean;
}

export interface FailOperationResult {
  /** Revisions kept warm (ready, never took traffic); the workflow schedules their retirement. */
  warmKeys: string[];
}
