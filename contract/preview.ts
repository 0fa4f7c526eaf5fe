import type { OperationKind } from '../domain/operations';
import type { RevisionRef } from './deployPhases';
import type { OperationRef } from './operation';

export interface OpenPreviewInput extends OperationRef {
  /** The operation's own kind (a retry waits in the retry's status). */
  kind: OperationKind;
  /** The live hostname; the preview host is derived from it. */
  hostname: string;
  revisions: RevisionRef[];
  timeoutSeconds: number;
}

export interface ClosePreviewInput extends OperationRef {
  kind: OperationKind;
  /** Who promoted it; null when the preview is being taken down (abort, timeout, failure). */
  promotedBy: string | null;
}
