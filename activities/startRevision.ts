import { upsertRevision } from '../db/queries/revisions';
import { FAULT_POINTS } from '../ports/faultPoints';
import { FailureType } from '../domain/failures';
import { webService } from '../domain/manifest';
import type { ActivityDeps } from './deps';
import { nonRetryable } from './failure';
import { completePhase, enterPhase, phaseLog } from './operationLog';
import { revisionKey } from './revisionKey';
import { missingEnvFailure, resolveRevisionEnv } from './revisionEnv';
import type { StartedRevision, StartRevisionInput } from '../contract/deployPhases';

/** The "image swap": start the target revision beside whatever serves now. */
export function createStartRevision(deps: ActivityDeps) {
  return async function startRevision(input: StartRevisionInput): Promise<StartedRevision> {
    await enterPhase(deps, input.operationId, 'startRevision');
    const log = phaseLog(deps, input.operationId, 'startRevision');
    const key = revisionKey(input.deploymentId, input.slot, input.version, input.configRevision, input.owner, input.replica ?? 0);

    const { release, manifest, plan } = await resolveRevisionEnv(deps.db, input.deploymentId, input.version);
    if (plan.missing.length > 0) throw missingEnvFailure(input.version, plan.missing);
    const artifactDir = await deps.artifacts.get(release.artifact_digest);
    if (!artifactDir) {
      throw nonRetryable(
        FailureType.ArtifactMissing,
        `artifact ${release.artifact_digest} of release ${input.version} is missing from the artifact store; recreate the release`,
      );
    }
    const service = webService(manifest);
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
    const running = await deps.compute.start({
      key,
      deploymentId: input.deploymentId,
      artifactDir,
      command: service.command,
      env: plan.values,
      portEnv: service.portEnv,
    });
    const url = `http://${running.endpoint.host}:${running.endpoint.port}`;
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
    await log(`started-${key}`, `started ${key} (pid ${running.pid}) on ${url}`);
    await completePhase(deps, input.deploymentId, 'startRevision');
    return { key, url, slot: input.slot };
  };
}
