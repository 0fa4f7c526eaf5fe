import type { ActivityDeps } from './deps';
import { createAwaitReady } from './awaitReady';
import { createFailOperation } from './failOperation';
import { createFetchDeployment } from './fetchDeployment';
import { createFinalize } from './finalize';
import { createResolveEnv } from './resolveEnv';
import { createStartRevision } from './startRevision';
import { createSwitchTraffic } from './switchTraffic';

export type { ActivityDeps } from './deps';

/** The only way activities get their database, compute provider, router and clock. */
export function createActivities(deps: ActivityDeps) {
  return {
    fetchDeployment: createFetchDeployment(deps),
    resolveEnv: createResolveEnv(deps),
    startRevision: createStartRevision(deps),
    awaitReady: createAwaitReady(deps),
    switchTraffic: createSwitchTraffic(deps),
    finalize: createFinalize(deps),
    failOperation: createFailOperation(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
