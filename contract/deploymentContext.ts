import type { OperationKind, Slot, Strategy } from '../domain/operations';
import type { PreviewOptions } from '../domain/preview';
import type { CanaryOptions } from '../domain/strategy';

/** What the rest of a workflow needs to know; small, and free of env values. */
export interface DeploymentContext {
  deploymentId: string;
  hostname: string;
  targetVersion: string;
  servingVersion: string | null;
  previousVersion: string | null;
  activeSlot: Slot | null;
  configRevision: number;
  strategy: Strategy;
  readinessPath: string;
  readinessTimeoutSeconds: number;
  /** What the operation does: its own kind, or for a retry the kind of the operation retried. */
  effectiveKind: OperationKind;
  /** Owner of the revision keys: the first operation of a retry chain. */
  revisionOwner: string;
  rollbackWindowSeconds: number;
  drainTimeoutSeconds: number;
  replicas: number;
  canary: CanaryOptions;
  /** Set when the operation waits for a manual promotion after starting the new revision. */
  preview: PreviewOptions | null;
  /** Set when the target release has a release step this operation must run before the switch. */
  releaseStep: { timeoutSeconds: number } | null;
}
