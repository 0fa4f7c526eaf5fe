import { findDeployment } from '../db/queries/deployments';
import { recordOperationFromVersion } from '../db/queries/operations';
import { deleteEnvVars } from '../db/queries/envVars';
import type { ActivityDeps } from './deps';
import { completePhase, enterPhase, phaseLog } from './operationLog';
import { reviveRevision } from './reviveRevision';
import { retireIfStillWarm, stopRevisions } from './stopRevision';
import { Context } from '@temporalio/activity';
import type { WarmRevision } from '../contract/operation';
import { claimWarm, logWarmClaim, runningWarmRevisions } from './warmRevisions';

/** Activities of the lifecycle workflows beyond the deploy path. */
export function createLifecycleActivities(deps: ActivityDeps) {
  return {
    /** Records what serves now on the operation, so a rollback has somewhere to land. */
    async snapshotCurrent(input: { operationId: string; deploymentId: string }): Promise<void> {
      await enterPhase(deps, input.operationId, 'snapshotCurrent');
      const d = await findDeployment(deps.db, input.deploymentId);
      if (!d) return;
      await recordOperationFromVersion(deps.db, input.operationId, d.serving_version);
      await phaseLog(
        deps,
        input.operationId,
        'snapshotCurrent',
      )(
        'snapshot',
        `serving before: ${d.serving_version ?? 'nothing'} (config revision ${d.serving_config_revision ?? '-'}, slot ${d.active_slot ?? '-'})`,
      );
      await completePhase(deps, input.deploymentId, 'snapshotCurrent');
    },

    /** Stops revisions (all live ones, or the given keys) in the given states. */
    async stopRevisions(input: {
      operationId: string;
      deploymentId: string;
      keys: string[] | 'all';
      onlyWarm?: boolean;
    }): Promise<string[]> {
      if (input.keys !== 'all' && input.keys.length === 0) return [];
      const stopped = await stopRevisions(
        deps,
        input.deploymentId,
        input.keys,
        input.onlyWarm ? ['warm'] : ['starting', 'ready', 'serving', 'warm'],
      );
      if (stopped.length > 0)
        await phaseLog(deps, input.operationId, 'drainPrevious')(`stopped-${stopped.join(',')}`, `stopped ${stopped.join(', ')}`);
      return stopped;
    },

    /** End of a rollback window. A revision a rollback took back (serving) is left alone. */
    async retireRevision(input: { key: string; token: string }): Promise<boolean> {
      return retireIfStillWarm(deps, input.key, input.token);
    },

    /**
     * A rollback to a version that is still warm claims its revisions (warm → ready, every
     * replica) so their retirement timers cannot stop them; [] when none is warm or alive.
     */
    async claimWarmRevisions(input: { operationId: string; deploymentId: string; version: string }): Promise<WarmRevision[]> {
      const claimed = await claimWarm(deps.db, await runningWarmRevisions(deps, input), input.operationId);
      await logWarmClaim(deps, input.operationId, input.version, claimed);
      return claimed;
    },

    /** Teardown: every env value goes, generated secrets included. */
    async wipeEnv(input: { operationId: string; deploymentId: string }): Promise<void> {
      await deleteEnvVars(deps.db, input.deploymentId);
      await phaseLog(deps, input.operationId, 'resolveEnv')('wiped', 'env values and generated secrets deleted');
    },

    /** Undo of a failed recreate: the revision it stopped serves again. */
    async reviveRevision(input: { operationId: string; key: string }): Promise<void> {
      const url = await reviveRevision(deps, input.key, () => Context.current().heartbeat());
      await phaseLog(deps, input.operationId, 'finalize')(
        `revived-${input.key}`,
        `restarted ${input.key} on ${url}: the old version serves again`,
        'warn',
      );
    },
  };
}
