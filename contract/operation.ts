import type { OperationKind } from '../domain/operations';

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
