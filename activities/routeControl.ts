import type { ActivityDeps } from './deps';
import { phaseLog } from './operationLog';
import type { SuspendRouteInput } from '../contract/deployPhases';

/**
 * The router answers 503 with the reason and Retry-After instead of proxying: clearer for
 * users than connection errors while nothing runs (suspend, the gap of a recreate).
 */
export function createSuspendRoute(deps: ActivityDeps) {
  return async function suspendRoute(input: SuspendRouteInput): Promise<{ previousKeys: string[] }> {
    const current = await deps.router.getRoute(input.deploymentId);
    const previousKeys = (current?.upstreams ?? []).map((u) => u.key);
    await deps.router.setRoute({
      deploymentId: input.deploymentId,
      hostname: input.hostname,
      upstreams: current?.upstreams ?? [],
      suspended: { reason: input.reason, retryAfterSeconds: input.retryAfterSeconds },
    });
    await phaseLog(deps, input.operationId, 'switchTraffic')('suspended', `${input.hostname} answers 503: ${input.reason}`);
    return { previousKeys };
  };
}

export function createRemoveRoute(deps: ActivityDeps) {
  return async function removeRoute(input: { operationId: string; deploymentId: string }): Promise<void> {
    await deps.router.removeRoute(input.deploymentId);
    await phaseLog(deps, input.operationId, 'switchTraffic')('removed', 'route removed');
  };
}
