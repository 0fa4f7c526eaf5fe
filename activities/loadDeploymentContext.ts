import type { DeploymentContext } from '../contract/deploymentContext';
import type { OperationInput } from '../contract/operation';
import type { DbOrTrx } from '../db/database';
import { findRelease } from '../db/queries/apps';
import { findOperation } from '../db/queries/operations';
import type { Deployment, Operation } from '../db/schema';
import { FailureType } from '../domain/failures';
import { ManifestSchema, webService, type Manifest } from '../domain/manifest';
import type { OperationKind } from '../domain/operations';
import { canaryOptions, previewOptions } from '../domain/strategy';
import type { ActivityDeps } from './deps';
import { operationAndDeployment } from './operationRows';
import { nonRetryable } from './failure';
import { completePhase, phaseLog } from './operationLog';

const STARTS_A_REVISION = new Set<OperationKind>(['deploy', 'upgrade', 'rollback', 'restart', 'resume']);

async function requireImages(deps: ActivityDeps, version: string, manifest: Manifest): Promise<void> {
  const images = manifest.services.flatMap((s) => (s.image ? [{ service: s.name, image: s.image }] : []));
  if (images.length === 0 || !deps.images) return;
  for (const { service, image } of images) {
    if (await deps.images.exists(image)) continue;
    throw nonRetryable(
      FailureType.ImageMissing,
      `image ${image} of service ${service} (release ${version}) is no longer in the registry; nothing was stopped. Push it again under that digest or choose another release`,
    );
  }
}

/** Follows retry_of links back to the operation that first tried. */
async function retryRoot(db: DbOrTrx, opId: string): Promise<{ id: string; kind: OperationKind }> {
  let current = await findOperation(db, opId);
  for (let hops = 0; current?.retry_of && hops < 100; hops++) {
    const parent = await findOperation(db, current.retry_of);
    if (!parent) break;
    current = parent;
  }
  if (!current) throw nonRetryable(FailureType.DeploymentNotFound, `operation ${opId} does not exist`);
  return { id: current.id, kind: current.kind };
}

/**
 * What the claimed operation works on (target release, its readiness settings, the retry
 * chain, strategy options), read from its rows into the small context the workflow
 * carries, and the line the "fetchDeployment" phase logs about it. Reads only.
 */
export async function readDeploymentContext(
  deps: ActivityDeps,
  op: Operation,
  d: Deployment,
  kind: OperationKind,
): Promise<{ ctx: DeploymentContext; summary: string }> {
  const root = op.retry_of ? await retryRoot(deps.db, op.retry_of) : { id: op.id, kind };
  const targetVersion = op.to_version ?? d.serving_version ?? d.release_version;
  const release = await findRelease(deps.db, d.app_id, targetVersion);
  if (!release) throw nonRetryable(FailureType.ReleaseNotFound, `release ${targetVersion} does not exist for this app`);
  const manifest = ManifestSchema.safeParse(release.manifest);
  if (!manifest.success)
    throw nonRetryable(FailureType.InvalidManifest, `release ${targetVersion} has an invalid manifest: ${manifest.error.message}`);
  const web = webService(manifest.data);
  // Before anything stops: a rollback (or any start) whose image was garbage-collected would only fail later, after the old revision went away.
  if (STARTS_A_REVISION.has(root.kind)) await requireImages(deps, targetVersion, manifest.data);
  // Rows written before every operation recorded its strategy (teardowns) read the deployment's.
  const strategy = op.strategy ?? d.strategy;

  const what = `${kind}${op.retry_of ? ` of ${op.retry_of} (${root.kind})` : ''} of ${d.id}`;
  const versions = d.serving_version === targetVersion ? `on ${targetVersion}` : `${d.serving_version ?? 'nothing'} → ${targetVersion}`;
  const summary = `${what}: ${versions} (strategy ${strategy}, config revision ${op.config_revision})`;
  const ctx: DeploymentContext = {
    deploymentId: d.id,
    hostname: d.hostname,
    targetVersion,
    servingVersion: d.serving_version,
    previousVersion: d.previous_version,
    activeSlot: d.active_slot,
    configRevision: op.config_revision,
    strategy,
    readinessPath: web.readiness.path,
    readinessTimeoutSeconds: web.readiness.timeoutSeconds ?? deps.settings.readinessTimeoutSeconds,
    effectiveKind: root.kind,
    revisionOwner: root.id,
    rollbackWindowSeconds: deps.settings.rollbackWindowSeconds,
    drainTimeoutSeconds: deps.settings.drainTimeoutSeconds,
    // A scale operation's target; every other kind runs the deployment's count.
    replicas: op.replicas ?? d.replicas,
    canary: canaryOptions(op.strategy_options),
    preview: previewOptions(op.strategy_options),
    // Once per operation that changes the code that serves; a rollback steps back, it does not release.
    releaseStep:
      manifest.data.release && targetVersion !== d.serving_version && root.kind !== 'rollback'
        ? { timeoutSeconds: manifest.data.release.timeoutSeconds }
        : null,
  };
  return { ctx, summary };
}

/** The "fetchDeployment" phase: the context read, logged once, and the phase's progress. */
export function createLoadDeploymentContext(deps: ActivityDeps) {
  return async function loadDeploymentContext(input: OperationInput): Promise<DeploymentContext> {
    const { op, d } = await operationAndDeployment(deps, input);
    const { ctx, summary } = await readDeploymentContext(deps, op, d, input.kind);
    await phaseLog(deps, op.id, 'fetchDeployment')('loaded', summary);
    await completePhase(deps, d.id, 'fetchDeployment');
    return ctx;
  };
}
