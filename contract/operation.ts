import type { DeploymentContext } from './deploymentContext';
import type { OperationKind, Slot } from '../domain/operations';

/** What a lifecycle workflow receives. No env values: workflow histories must never hold secrets. */
export interface OperationInput {
  operationId: string;
  deploymentId: string;
  kind: OperationKind;
}

/** The pair nearly every activity takes: which operation acts, on which deployment. */
export interface OperationRef {
  operationId: string;
  deploymentId: string;
}

/** The first activity of every lifecycle workflow claims its operation under this run. */
export interface ClaimOperationInput extends OperationInput {
  runId: string;
}

/** A revision of the rollback target that still runs and that a rollback may switch to. */
export interface WarmRevision {
  key: string;
  url: string;
  slot: Slot;
  configRevision: number;
}

/** A one-step rollback's claim: what it works on, and the warm revisions it claimed ([] = redeploy). */
export interface ClaimRollbackResult {
  ctx: DeploymentContext;
  warm: WarmRevision[];
}
