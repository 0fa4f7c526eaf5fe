import { findDeployment } from '../db/queries/deployments';
import { findOperation } from '../db/queries/operations';
import type { Deployment, Operation } from '../db/schema';
import { isInProgressStatus, transitionOf } from '../domain/deploymentStatus';
import { deploymentWorkflowId, type OperationKind } from '../domain/operations';
import type { ApiContext } from './context';
import { conflict } from './errors';
import { inFlightConflict, operationInFlight, startOperation, type OperationRequest } from './operationStarter';
import type { StartedBy } from './startedBy';

/** What a lifecycle route decided to start. */
export type LifecyclePlan = Pick<
  OperationRequest,
  'kind' | 'toVersion' | 'strategy' | 'configRevision' | 'retryOf' | 'strategyOptions' | 'replicas'
>;

/**
 * The operation an earlier attempt of this very request (same Idempotency-Key) created, if
 * any. A repeat after a crash must answer with it even though the deployment has moved on
 * (its status is now "upgrading", so the checks below would refuse).
 */
export async function earlierAttempt(ctx: ApiContext, by: StartedBy, d: Deployment): Promise<Operation | null> {
  if (!by.ids) return null;
  const op = await findOperation(ctx.db, by.ids.operationId);
  return op && op.deployment_id === d.id ? op : null;
}

/** 409 naming the operation Temporal is running on this deployment (see operationInFlight). */
export async function refuseIfInFlight(ctx: ApiContext, d: Deployment): Promise<void> {
  const op = await operationInFlight(ctx.db, ctx.temporal.client, deploymentWorkflowId(d.id));
  if (!op) return;
  // A preview may wait for days: say what it waits for and how to end the wait.
  const current = (await findDeployment(ctx.db, d.id)) ?? d;
  if (current.status === 'awaiting_promotion') throw awaitingPromotionConflict(current, op);
  throw inFlightConflict(d.id, op);
}

export function awaitingPromotionConflict(d: Deployment, op: Operation) {
  return conflict(
    'awaiting_promotion',
    `deployment ${d.id} is awaiting promotion of ${op.to_version ?? 'its new revision'} (${op.kind} ${op.id}); POST /api/deployments/${d.id}/promote or /abort first`,
    { operationId: op.id },
  );
}

/** 409 illegal_transition with the reason from the one function that decides statuses. */
export function refuseIfIllegal(d: Deployment, kind: OperationKind): void {
  const t = transitionOf(d, { type: 'start', kind });
  if (!t.ok) throw conflict('illegal_transition', t.reason);
}

export function canStart(d: Deployment, kind: OperationKind): boolean {
  return transitionOf(d, { type: 'start', kind }).ok;
}

/** Starts the planned operation; with an Idempotency-Key its id comes from the key. */
export function startPlanned(ctx: ApiContext, by: StartedBy, d: Deployment, plan: LifecyclePlan): Promise<Operation> {
  return startOperation(ctx, {
    deployment: d,
    trigger: by.trigger,
    actor: by.actor,
    ...plan,
    operationId: by.ids?.operationId,
    idempotencyKey: by.ids?.key ?? null,
  });
}

/**
 * The common path of every lifecycle route: a repeat of an earlier attempt gets that
 * operation; otherwise no operation may be in flight, the transition must be legal, and the
 * route's own checks (`plan`) decide what to start. Answers with the deployment row the
 * checks used, so the route need not read it again.
 */
export async function startLifecycle(
  ctx: ApiContext,
  by: StartedBy,
  d: Deployment,
  kind: OperationKind,
  plan: () => Promise<LifecyclePlan>,
): Promise<{ operation: Operation; deployment: Deployment }> {
  const earlier = await earlierAttempt(ctx, by, d);
  if (earlier) {
    const operation = await startPlanned(ctx, by, d, {
      kind: earlier.kind,
      toVersion: earlier.to_version,
      strategy: earlier.strategy,
      configRevision: earlier.config_revision,
      retryOf: earlier.retry_of,
      strategyOptions: earlier.strategy_options,
      replicas: earlier.replicas,
    });
    return { operation, deployment: d };
  }
  // Asking Temporal first costs a round trip, so it is asked only when the row says an
  // operation runs or the row alone would refuse (an in-flight operation is the better
  // answer then). Otherwise a workflow about to claim the row or closing after it is found
  // by the start itself (conflict policy FAIL): the same 409, or a wait for the close and a
  // start (startOperation).
  if (isInProgressStatus(d.status) || !canStart(d, kind)) await refuseIfInFlight(ctx, d);
  // Read mid-operation, the row is stale once that operation's workflow has closed (the
  // in-flight check waits for that); any other row is what the checks need.
  const current = isInProgressStatus(d.status) ? ((await findDeployment(ctx.db, d.id)) ?? d) : d;
  refuseIfIllegal(current, kind);
  return { operation: await startPlanned(ctx, by, current, await plan()), deployment: current };
}
