import type { Deployment, Operation } from '../db/schema';
import { findDeployment } from '../db/queries/deployments';
import { findOperation } from '../db/queries/operations';
import { FailureType } from '../domain/failures';
import type { ActivityDeps } from './deps';
import { nonRetryable } from './failure';

/**
 * The operation and its deployment, read side by side (each round trip on the way to a
 * switch is time users wait); either missing is bad input no retry can fix.
 */
export async function operationAndDeployment(
  deps: ActivityDeps,
  input: { operationId: string; deploymentId: string },
): Promise<{ op: Operation; d: Deployment }> {
  const [op, d] = await Promise.all([findOperation(deps.db, input.operationId), findDeployment(deps.db, input.deploymentId)]);
  if (!op) throw nonRetryable(FailureType.DeploymentNotFound, `operation ${input.operationId} does not exist`);
  if (!d) throw nonRetryable(FailureType.DeploymentNotFound, `deployment ${input.deploymentId} does not exist`);
  return { op, d };
}
