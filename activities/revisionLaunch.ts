import { FailureType } from '../domain/failures';
import { needsArtifact, startOrder, webService, type Readiness, type Service } from '../domain/manifest';
import { RevisionStartError, type RevisionProgram, type RevisionSpec } from '../ports/compute';
import type { ActivityDeps } from './deps';
import { nonRetryable } from './failure';
import { missingEnvFailure, resolveRevisionEnv } from './revisionEnv';
import { serviceKey } from './revisionKey';

/** One service of a revision, ready to hand to compute. */
export interface ServiceLaunch {
  spec: RevisionSpec;
  readiness: Readiness;
  dependsOn: string[];
  /** The service the router sends traffic to; its process key is the revision key itself. */
  web: boolean;
}

/** A revision ready to hand to compute, and where its readiness is asked. */
export interface RevisionLaunch {
  /** The web service (what single-service callers start). */
  spec: RevisionSpec;
  readinessPath: string;
  /** Every service, in start order (dependencies first). */
  services: ServiceLaunch[];
}

/**
 * Everything a start of `version` under `key` needs, checked before anything starts: the
 * resolved env (a missing required variable fails non-retryably), the artifact, the
 * services. The start step of a deploy and the revive of a recorded revision share it.
 */
export async function prepareRevisionLaunch(
  deps: ActivityDeps,
  r: { key: string; deploymentId: string; version: string },
): Promise<RevisionLaunch> {
  const { deployment, release, manifest, plan } = await resolveRevisionEnv(deps.db, deps.secrets, r.deploymentId, r.version);
  if (plan.missing.length > 0) throw missingEnvFailure(r.version, plan.missing);
  let artifactDir: string | null = null;
  if (needsArtifact(manifest)) {
    artifactDir = release.artifact_digest ? await deps.artifacts.get(release.artifact_digest) : null;
    if (!artifactDir) {
      throw nonRetryable(
        FailureType.ArtifactMissing,
        `artifact ${release.artifact_digest ?? '(none)'} of release ${r.version} is missing from the artifact store; recreate the release`,
      );
    }
  }
  const web = webService(manifest);
  const services = startOrder(manifest).map((service): ServiceLaunch => ({
    spec: {
      key: serviceKey(r.key, service.name, service === web),
      deploymentId: r.deploymentId,
      tenantId: deployment.tenant_id,
      service: service.name,
      program: programOf(service, artifactDir),
      env: plan.values,
      portEnv: service.portEnv,
      containerPort: service.port,
      resources: service.resources,
    },
    readiness: service.readiness,
    dependsOn: service.dependsOn ?? [],
    web: service === web,
  }));
  const webLaunch = services.find((s) => s.web) as ServiceLaunch;
  return { spec: webLaunch.spec, readinessPath: web.readiness.path, services };
}

function programOf(service: Service, artifactDir: string | null): RevisionProgram {
  if (service.image) return { kind: 'image', image: service.image, command: service.command, args: service.args };
  return { kind: 'artifact', artifactDir: artifactDir as string, command: service.command as string[] };
}

/**
 * Starts one service (idempotent per key: a key that already runs answers with the running
 * process). A command that cannot start fails at once, non-retryably, instead of 20 retries;
 * `onNotRunnable` gets the reason first (the operation log).
 */
export async function launchRevision(
  deps: ActivityDeps,
  launch: { spec: RevisionSpec },
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
