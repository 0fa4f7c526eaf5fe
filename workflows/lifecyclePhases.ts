import type { DeploymentContext } from '../contract/deploymentContext';
import type { OperationInput, WarmRevision } from '../contract/operation';
import { acts, fast, stops, waits } from './activities';
import { blueGreen } from './strategies/blueGreen';
import { scalePhases } from './strategies/scale';
import { rollout } from './strategies/rollout';
import { base, cutOver } from './strategies/steps';

/** While suspended the router says so, for this long, to clients that honour Retry-After. */
const SUSPENDED_RETRY_AFTER_SECONDS = 300;

/**
 * Back to previous_version: a pure traffic switch when that revision is still warm,
 * else a redeploy of it (zero downtime either way).
 */
export async function rollbackPhases(ctx: DeploymentContext, op: OperationInput, claimed?: WarmRevision[]): Promise<void> {
  // Claimed already by a one-step rollback (workflows/operations.ts); a retry of a rollback claims here.
  const warm = claimed ?? (await fast.claimWarmRevisions({ ...base(op), version: ctx.targetVersion }));
  if (warm.length === 0) return blueGreen(ctx, op);
  // No snapshot before the switch on this path: from_version was recorded with the request
  // (one operation at a time, so it cannot have changed), and every millisecond here is
  // time users spend on the version being rolled back.
  await cutOver(ctx, op, warm, { version: ctx.targetVersion, slot: warm[0].slot, configRevision: warm[0].configRevision });
}

/** Stop compute, keep data: the router answers 503 "suspended" until a resume. */
export async function suspendPhases(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  const { previousKeys } = await acts.suspendRoute({
    ...base(op),
    hostname: ctx.hostname,
    reason: 'this app is suspended',
    retryAfterSeconds: SUSPENDED_RETRY_AFTER_SECONDS,
  });
  await waits.drainPrevious({ ...base(op), keys: previousKeys, timeoutSeconds: ctx.drainTimeoutSeconds });
  await stops.stopRevisions({ ...base(op), keys: 'all' });
  await acts.completeOperation({ ...base(op), kind: ctx.effectiveKind, serving: null });
}

/** Destructive: route, processes and env values (secrets included) go; the row stays as destroyed. */
export async function teardownPhases(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  await acts.removeRoute(base(op));
  await stops.stopRevisions({ ...base(op), keys: 'all' });
  await acts.wipeEnv(base(op));
  await acts.completeOperation({ ...base(op), kind: ctx.effectiveKind, serving: null });
}

/**
 * End the rollback window now: every warm revision (kept for an instant rollback, or ready
 * from a failed operation for its retry) stops. Their retirement timers later find nothing
 * to do; a rollback after this redeploys the previous version.
 */
export async function cleanupPhases(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  const stopped = await stops.stopRevisions({ ...base(op), keys: 'all', onlyWarm: true });
  if (stopped.length === 0)
    await acts.note({ operationId: op.operationId, phase: 'finalize', step: 'nothing-warm', message: 'no warm revision to stop' });
  const slot = ctx.activeSlot;
  await acts.completeOperation({
    ...base(op),
    kind: ctx.effectiveKind,
    serving: slot && ctx.servingVersion ? { version: ctx.servingVersion, slot, configRevision: ctx.configRevision } : null,
  });
}

/** What each kind does; a retry runs the phases of the kind it retries. */
export function phasesFor(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  switch (ctx.effectiveKind) {
    case 'rollback':
      return rollbackPhases(ctx, op);
    case 'suspend':
      return suspendPhases(ctx, op);
    case 'teardown':
      return teardownPhases(ctx, op);
    case 'scale':
      return scalePhases(ctx, op);
    case 'cleanup':
      return cleanupPhases(ctx, op);
    default:
      return rollout(ctx, op);
  }
}
