import type { FastifyRequest } from 'fastify';
import { findDeployment } from '../db/queries/deployments';
import { findOperation } from '../db/queries/operations';
import type { Deployment, Operation } from '../db/schema';
import { transition } from '../domain/deploymentStatus';
import { deploymentWorkflowId, type OperationKind, type OperationTrigger } from '../domain/operations';
import type { Principal } from './auth';
import type { ApiContext } from './context';
import { conflict } from './errors';
import { idempotentIds } from './idempotency';
import { inFlightConflict, operationInFlight, startOperation, type OperationRequest } from './operationStarter';

/** What a lifecycle route decided to start. */
export type LifecyclePlan = Pick<OperationRequest, 'kind' | 'toVersion' | 'strategy' | 'configRevision' | 'retryOf' | 'strategyOptions'>;

/**
 * The operation an earlier attempt of this very request (same Idempotency-Key) created, if
 * any. A repeat after a crash must answer with it even though the deployment has moved on
 * (its status is now "upgrading", so the checks below would refuse).
 */
export async function earlierAttempt(ctx: ApiContext, req: FastifyRequest, d: Deployment): Promise<Operation | null> {
  const ids = idempotentIds(req);
  if (!ids) return null;
  const op = await findOperation(ctx.db, ids.operationId);
  return op && op.deployment_id === d.id ? op : null;
}

/** 409 naming the operation Temporal is running on this deployment (see operationInFlight). */
export async function refuseIfInFlight(ctx: ApiContext, d: Deployment): Promise<void> {
  const op = await operationInFlight(ctx.db, ctx.temporal.client, deploymentWorkflowId(d.id));
  if (op) throw inFlightConflict(d.id, op);
}

/** 409 illegal_transition with the reason from the one function that decides statuses. */
export function refuseIfIllegal(d: Deployment, kind: OperationKind): void {
  const t = transition(
    { status: d.status, servingVersion: d.serving_version, previousVersion: d.previous_version },
    { type: 'start', kind },
  );
  if (!t.ok) throw conflict('illegal_transition', t.reason);
}

export function canStart(d: Deployment, kind: OperationKind): boolean {
  return transition({ status: d.status, servingVersion: d.serving_version, previousVersion: d.previous_version }, { type: 'start', kind })
    .ok;
}

/** Starts the planned operation; with an Idempotency-Key its id comes from the key. */
export function startPlanned(
  ctx: ApiContext,
  req: FastifyRequest,
  p: Principal,
  d: Deployment,
  trigger: OperationTrigger,
  plan: LifecyclePlan,
): Promise<Operation> {
  const ids = idempotentIds(req);
  return startOperation(ctx.db, ctx.temporal, ctx.logger, {
    deployment: d,
    trigger,
    actor: p.actor,
    ...plan,
    operationId: ids?.operationId,
    idempotencyKey: ids?.key ?? null,
  });
}

/**
 * The common path of every lifecycle route: a repeat of an earlier attempt gets that
 * operation; otherwise no operation may be in flight, the transition must be legal, and the
 * route's own checks (`plan`) decide what to start.
 */
export async function startLifecycle(
  ctx: ApiContext,
  req: FastifyRequest,
  p: Principal,
  d: Deployment,
  trigger: OperationTrigger,
  kind: OperationKind,
  plan: () => Promise<LifecyclePlan>,
): Promise<Operation> {
  const earlier = await earlierAttempt(ctx, req, d);
  if (earlier) {
    return startPlanned(ctx, req, p, d, trigger, {
      kind: earlier.kind,
      toVersion: earlier.to_version,
      strategy: earlier.strategy,
      configRevision: earlier.config_revision,
      retryOf: earlier.retry_of,
      strategyOptions: earlier.strategy_options,
    });
  }
  await refuseIfInFlight(ctx, d);
  // The row may have changed while an operation that just finished closed its workflow.
  const fresh = (await findDeployment(ctx.db, d.id)) ?? d;
  refuseIfIllegal(fresh, kind);
  return startPlanned(ctx, req, p, fresh, trigger, await plan());
}
