import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';
import { enterPhase, phaseLog } from './operationLog';
import type { DrainInput, DrainResult } from '../contract/deployPhases';

const POLL_MS = 100;

/**
 * Waits until the router reports no request in flight on the given revisions (the ones
 * that started before the switch), capped by the drain timeout. Heartbeats, so a dead
 * worker's drain resumes elsewhere.
 */
export function createDrainPrevious(deps: ActivityDeps) {
  return async function drainPrevious(input: DrainInput): Promise<DrainResult> {
    if (input.keys.length === 0) return { drained: true, inFlight: 0, waitedMs: 0 };
    await enterPhase(deps, input.operationId, 'drainPrevious');
    const log = phaseLog(deps, input.operationId, 'drainPrevious');
    const ctx = Context.current();
    const started = deps.clock.now();
    const deadline = started + input.timeoutSeconds * 1000;
    let inFlight: number;
    for (;;) {
      const stats = await deps.router.stats(input.deploymentId);
      inFlight = (stats?.upstreams ?? []).filter((u) => input.keys.includes(u.key)).reduce((n, u) => n + u.inFlight, 0);
      if (inFlight === 0 || deps.clock.now() >= deadline) break;
      ctx.heartbeat({ inFlight });
      await Promise.race([deps.clock.sleep(POLL_MS), ctx.cancelled]);
    }
    const waitedMs = deps.clock.now() - started;
    const drained = inFlight === 0;
    await log(
      'drained',
      drained
        ? `previous revision drained in ${waitedMs} ms`
        : `drain cap of ${input.timeoutSeconds}s reached with ${inFlight} request(s) still in flight`,
      drained ? 'info' : 'warn',
    );
    return { drained, inFlight, waitedMs };
  };
}
