import { upsertRevision } from '../db/queries/revisions';
import { FAULT_POINTS } from '../ports/faultPoints';
import type { ActivityDeps } from './deps';
import { completePhase, enterPhase, phaseLog } from './operationLog';
import { revisionKey } from './revisionKey';
import { prepareRevisionLaunch } from './revisionLaunch';
import { startServices } from './startServices';
import { activityContext } from './activityContext';
import type { StartedRevision, StartRevisionInput } from '../contract/deployPhases';

/** The "image swap": start the target revision beside whatever serves now. */
export function createStartRevision(deps: ActivityDeps) {
  return async function startRevision(input: StartRevisionInput): Promise<StartedRevision> {
    await enterPhase(deps, input.operationId, 'startRevision');
    const log = phaseLog(deps, input.operationId, 'startRevision');
    const key = revisionKey(input.deploymentId, input.slot, input.version, input.configRevision, input.owner, input.replica ?? 0);

    const launch = await prepareRevisionLaunch(deps, { key, deploymentId: input.deploymentId, version: input.version });
    // Record intent first, so a crash between start and the next write still leaves a
    // row that names the process for cleanup.
    await upsertRevision(deps.db, {
      key,
      deployment_id: input.deploymentId,
      operation_id: input.operationId,
      release_version: input.version,
      config_revision: input.configRevision,
      slot: input.slot,
      url: null,
      status: 'starting',
    });
    // Heartbeats throughout: a pull or a dependency's readiness may take longer than the heartbeat timeout.
    const ctx = activityContext();
    const beat = setInterval(() => ctx?.heartbeat({ starting: key }), 1000);
    const { url, pid } = await startServices(deps, launch, {
      onNotRunnable: (message) => log(`not-runnable-${key}`, message, 'error'),
      timeoutSeconds: deps.settings.readinessTimeoutSeconds,
    }).finally(() => clearInterval(beat));
    await upsertRevision(deps.db, {
      key,
      deployment_id: input.deploymentId,
      operation_id: input.operationId,
      release_version: input.version,
      config_revision: input.configRevision,
      slot: input.slot,
      url,
      status: 'starting',
    });
    deps.faults.reached(FAULT_POINTS.afterStartRevision);
    const others = launch.services.filter((s) => !s.web).map((s) => s.spec.service);
    await log(`started-${key}`, `started ${key} (pid ${pid}) on ${url}${others.length ? ` with ${others.join(', ')}` : ''}`);
    await completePhase(deps, input.deploymentId, 'startRevision');
    return { key, url, slot: input.slot };
  };
}
