import { findDeployment, updateDeployment } from '../db/queries/deployments';
import { findOperation, markOperationRunning } from '../db/queries/operations';
import { findRelease } from '../db/queries/apps';
import { transition } from '../domain/deploymentStatus';
import { FailureType } from '../domain/failures';
import { ManifestSchema, webService } from '../domain/manifest';
import type { OperationInput, OperationKind, Slot, Strategy } from '../domain/operations';
import type { DbOrTrx } from '../db/database';
import { canaryOptions, type CanaryOptions } from '../domain/strategy';
import type { ActivityDeps } from './deps';
import { nonRetryable } from './failure';
import { completePhase, phaseLog } from './operationLog';

/** What the rest of a workflow needs to know; small, and free of env values. */
export interface DeploymentContext {
  deploymentId: string;
  hostname: string;
  targetVersion: string;
  servingVersion: string | null;
  previousVersion: string | null;
  activeSlot: Slot | null;
  configRevision: number;
  strategy: Strategy;
  readinessPath: string;
  readinessTimeoutSeconds: number;
  /** What the operation does: its own kind, or for a retry the kind of the operation retried. */
  effectiveKind: OperationKind;
  /** Owner of the revision keys: the first operation of a retry chain. */
  revisionOwner: string;
  rollbackWindowSeconds: number;
  drainTimeoutSeconds: number;
  replicas: number;
  canary: CanaryOptions;
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

export function createFetchDeployment(deps: ActivityDeps) {
  return async function fetchDeployment(input: OperationInput & { runId: string }): Promise<DeploymentContext> {
    const op = await findOperation(deps.db, input.operationId);
    if (!op) throw nonRetryable(FailureType.DeploymentNotFound, `operation ${input.operationId} does not exist`);
    const d = await findDeployment(deps.db, input.deploymentId);
    if (!d) throw nonRetryable(FailureType.DeploymentNotFound, `deployment ${input.deploymentId} does not exist`);
    const log = phaseLog(deps, op.id, 'fetchDeployment');

    // A retried attempt finds its own operation already running: the status check was
    // done by the first attempt and must not refuse the operation's own status now.
    if (op.status === 'pending') {
      const t = transition(
        { status: d.status, servingVersion: d.serving_version, previousVersion: d.previous_version },
        { type: 'start', kind: input.kind },
      );
      if (!t.ok) throw nonRetryable(FailureType.IllegalTransition, t.reason);
      await deps.db.transaction().execute(async (trx) => {
        await markOperationRunning(trx, op.id, input.runId);
        await updateDeployment(trx, d.id, { status: t.status, progress: 0, last_error: null });
      });
    }
    const root = op.retry_of ? await retryRoot(deps.db, op.retry_of) : { id: op.id, kind: input.kind };
    const targetVersion = op.to_version ?? d.serving_version ?? d.release_version;
    const release = await findRelease(deps.db, d.app_id, targetVersion);
    if (!release) throw nonRetryable(FailureType.ReleaseNotFound, `release ${targetVersion} does not exist for this app`);
    const manifest = ManifestSchema.safeParse(release.manifest);
    if (!manifest.success)
      throw nonRetryable(FailureType.InvalidManifest, `release ${targetVersion} has an invalid manifest: ${manifest.error.message}`);
    const web = webService(manifest.data);

    const what = `${input.kind}${op.retry_of ? ` of ${op.retry_of} (${root.kind})` : ''} of ${d.id}`;
    const versions = d.serving_version === targetVersion ? `on ${targetVersion}` : `${d.serving_version ?? 'nothing'} → ${targetVersion}`;
    await log('loaded', `${what}: ${versions} (strategy ${op.strategy ?? d.strategy}, config revision ${op.config_revision})`);
    await completePhase(deps, d.id, 'fetchDeployment');
    return {
      deploymentId: d.id,
      hostname: d.hostname,
      targetVersion,
      servingVersion: d.serving_version,
      previousVersion: d.previous_version,
      activeSlot: d.active_slot,
      configRevision: op.config_revision,
      strategy: op.strategy ?? d.strategy,
      readinessPath: web.readiness.path,
      readinessTimeoutSeconds: web.readiness.timeoutSeconds ?? deps.settings.readinessTimeoutSeconds,
      effectiveKind: root.kind,
      revisionOwner: root.id,
      rollbackWindowSeconds: deps.settings.rollbackWindowSeconds,
      drainTimeoutSeconds: deps.settings.drainTimeoutSeconds,
      replicas: d.replicas,
      canary: canaryOptions(op.strategy_options),
    };
  };
}
