import { FailureType } from '../domain/failures';
import { webService } from '../domain/manifest';
import { RevisionStartError, type RevisionSpec } from '../ports/compute';
import type { ActivityDeps } from './deps';
import { nonRetryable } from './failure';
import { missingEnvFailure, resolveRevisionEnv } from './revisionEnv';

/** A revision ready to hand to compute, and where its readiness is asked. */
export interface RevisionLaunch {
  spec: RevisionSpec;
  readinessPath: string;
}

/**
 * Everything a start of `version` under `key` needs, checked before anything starts: the
 * resolved env (a missing required variable fails non-retryably), the artifact, the web
 * service. The start step of a deploy and the revive of a recorded revision share it.
 */
export async function prepareRevisionLaunch(
  deps: ActivityDeps,
  r: { key: string; deploymentId: string; version: string },
): Promise<RevisionLaunch> {
  const { deployment, release, manifest, plan } = await resolveRevisionEnv(deps.db, deps.secrets, r.deploymentId, r.version);
  if (plan.missing.length > 0) throw missingEnvFailure(r.version, plan.missing);
  const artifactDir = await deps.artifacts.get(release.artifact_digest);
  if (!artifactDir) {
    throw nonRetryable(
      FailureType.ArtifactMissing,
      `artifact ${release.artifact_digest} of release ${r.version} is missing from the artifact store; recreate the release`,
    );
  }
  const service = webService(manifest);
  return {
    spec: {
      key: r.key,
      deploymentId: r.deploymentId,
      tenantId: deployment.tenant_id,
      service: service.name,
      program: { kind: 'artifact', artifactDir, command: service.command },
      env: plan.values,
      portEnv: service.portEnv,
    },
    readinessPath: service.readiness.path,
  };
}

/**
 * Starts it (idempotent per key: a key that already runs answers with the running process).
 * A command that cannot start fails at once, non-retryably, instead of 20 retries;
 * `onNotRunnable` gets the reason first (the operation log).
 */
export async function launchRevision(
  deps: ActivityDeps,
  launch: RevisionLaunch,
  onNotRunnable: (message: string) => Promise<void> = async () => undefined,
): Promise<{ url: string; pid: number }> {
  let running;
  try {
    running = await deps.compute.start(launch.spec);
  } catch (err) {
    if (!(err instanceof RevisionStartError)) throw err;
    const program = launch.spec.program;
    await onNotRunnable(`${program.kind === 'artifact' ? program.command.join(' ') : program.image}: ${err.message}`);
    throw nonRetryable(FailureType.CommandNotRunnable, err.message);
  }
  return { url: `http://${running.endpoint.host}:${running.endpoint.port}`, pid: running.pid };
}
