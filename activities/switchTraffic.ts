import { setRevisionStatus } from '../db/queries/revisions';
import type { ActivityDeps } from './deps';
import { completePhase, enterPhase, phaseLog } from './operationLog';

export interface SwitchTrafficInput {
  operationId: string;
  deploymentId: string;
  hostname: string;
  key: string;
  url: string;
}

/** Blue-green and first deploys: the whole route moves to the new revision in one swap. */
export function createSwitchTraffic(deps: ActivityDeps) {
  return async function switchTraffic(input: SwitchTrafficInput): Promise<void> {
    await enterPhase(deps, input.operationId, 'switchTraffic');
    const log = phaseLog(deps, input.operationId, 'switchTraffic');
    await deps.router.setRoute({
      deploymentId: input.deploymentId,
      hostname: input.hostname,
      upstreams: [{ key: input.key, url: input.url, weight: 100 }],
      suspended: null,
    });
    await setRevisionStatus(deps.db, input.key, 'serving');
    await log('switched', `${input.hostname} now routes to ${input.key}`);
    await completePhase(deps, input.deploymentId, 'switchTraffic');
  };
}
