import type { ActivityDeps } from './deps';
import { createAutoUpdateActivities } from './autoUpdate';
import { createAwaitReady } from './awaitReady';
import { createFailOperation } from './failOperation';
import { createClaimOperation } from './claimOperation';
import { createClaimRollback } from './claimRollback';
import { createCompleteOperation } from './completeOperation';
import { createDrainPrevious } from './drainPrevious';
import { createLifecycleActivities } from './lifecycle';
import { createLoadDeploymentContext } from './loadDeploymentContext';
import { createMassUpgradeActivities } from './massUpgrade';
import { createPreviewActivities } from './preview';
import { createReadClock } from './readClock';
import { createRemoveRoute, createSuspendRoute } from './routeControl';
import { createRouteSetActivities } from './routeSet';
import { createResolveEnv } from './resolveEnv';
import { createRunReleaseStep } from './releaseStep';
import { createStartRevision } from './startRevision';
import { createSwitchTraffic } from './switchTraffic';

export type { ActivityDeps } from './deps';

/** The only way activities get their database, compute provider, router and clock. */
export function createActivities(deps: ActivityDeps) {
  return {
    claimOperation: createClaimOperation(deps),
    loadDeploymentContext: createLoadDeploymentContext(deps),
    claimRollback: createClaimRollback(deps),
    resolveEnv: createResolveEnv(deps),
    runReleaseStep: createRunReleaseStep(deps),
    startRevision: createStartRevision(deps),
    awaitReady: createAwaitReady(deps),
    switchTraffic: createSwitchTraffic(deps),
    drainPrevious: createDrainPrevious(deps),
    completeOperation: createCompleteOperation(deps),
    suspendRoute: createSuspendRoute(deps),
    removeRoute: createRemoveRoute(deps),
    ...createLifecycleActivities(deps),
    ...createRouteSetActivities(deps),
    ...createPreviewActivities(deps),
    failOperation: createFailOperation(deps),
    readClock: createReadClock(deps),
    ...createMassUpgradeActivities(deps),
    ...createAutoUpdateActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
