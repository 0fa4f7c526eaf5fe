import type { Deployment, Operation, OperationLog, Release } from '../db/schema';

/** Response shapes. Env values are never part of any of them. */

export function presentRelease(r: Release) {
  return { version: r.version, status: r.status, artifactDigest: r.artifact_digest, manifest: r.manifest, createdAt: r.created_at };
}

export function presentDeployment(
  d: Deployment,
  extra: { app: string; routerUrl: string; updateAvailable?: string | null; preview?: { hostname: string; url: string } },
) {
  return {
    id: d.id,
    tenantId: d.tenant_id,
    app: extra.app,
    name: d.name,
    hostname: d.hostname,
    url: extra.routerUrl,
    releaseVersion: d.release_version,
    servingVersion: d.serving_version,
    previousVersion: d.previous_version,
    status: d.status,
    progress: d.progress,
    strategy: d.strategy,
    replicas: d.replicas,
    activeSlot: d.active_slot,
    configRevision: d.config_revision,
    lastError: d.last_error,
    autoDeploy: d.auto_deploy,
    autoUpdate: {
      enabled: d.auto_update_enabled,
      maxPerWeek: d.auto_update_max_per_week,
      pauseReason: d.auto_update_pause_reason,
    },
    autoUpdatePausedAt: d.auto_update_paused_at,
    updateAvailable: extra.updateAvailable ? { version: extra.updateAvailable } : null,
    preview: d.status === 'awaiting_promotion' && extra.preview ? { ...extra.preview, expiresAt: d.preview_expires_at } : null,
    createdAt: d.created_at,
    updatedAt: d.updated_at,
  };
}

export function presentOperation(o: Operation) {
  const durationMs = o.started_at && o.finished_at ? o.finished_at.getTime() - o.started_at.getTime() : null;
  return {
    id: o.id,
    deploymentId: o.deployment_id,
    kind: o.kind,
    trigger: o.trigger,
    actor: o.actor,
    fromVersion: o.from_version,
    toVersion: o.to_version,
    configRevision: o.config_revision,
    strategy: o.strategy,
    strategyOptions: o.strategy_options ?? null,
    retryOf: o.retry_of,
    workflowId: o.workflow_id,
    runId: o.run_id,
    status: o.status,
    phase: o.phase,
    error: o.error_type ? { type: o.error_type, message: o.error_message } : null,
    createdAt: o.created_at,
    startedAt: o.started_at,
    finishedAt: o.finished_at,
    durationMs,
  };
}

export function presentLog(l: OperationLog) {
  return { id: l.id, phase: l.phase, level: l.level, message: l.message, at: l.created_at };
}
