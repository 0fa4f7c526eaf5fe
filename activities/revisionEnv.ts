import { randomBytes } from 'node:crypto';
import type { DbOrTrx } from '../db/database';
import { findRelease } from '../db/queries/apps';
import { findDeployment } from '../db/queries/deployments';
import { insertGeneratedEnvVars, listEnvVars } from '../db/queries/envVars';
import { planEnv, type EnvPlan } from '../domain/envResolution';
import { FailureType } from '../domain/failures';
import { ManifestSchema, type EnvVarSpec, type Manifest } from '../domain/manifest';
import type { Deployment, Release } from '../db/schema';
import { SecretKeyError, type SecretCipher } from '../db/secretCipher';
import { nonRetryable } from './failure';

const GENERATORS: Record<NonNullable<EnvVarSpec['generate']>, () => string> = {
  hex32: () => randomBytes(16).toString('hex'),
  hex64: () => randomBytes(32).toString('hex'),
  base64url32: () => randomBytes(32).toString('base64url'),
};

export interface RevisionEnv {
  deployment: Deployment;
  release: Release;
  manifest: Manifest;
  plan: EnvPlan;
}

/**
 * Resolves the concrete env of one (deployment, release). Generates missing secrets
 * insert-if-absent and re-reads, so concurrent or retried attempts agree on one value.
 * The values stay inside activities: they are never returned to a workflow.
 */
export async function resolveRevisionEnv(db: DbOrTrx, cipher: SecretCipher, deploymentId: string, version: string): Promise<RevisionEnv> {
  const deployment = await findDeployment(db, deploymentId);
  if (!deployment) throw nonRetryable(FailureType.DeploymentNotFound, `deployment ${deploymentId} does not exist`);
  const release = await findRelease(db, deployment.app_id, version);
  if (!release) throw nonRetryable(FailureType.ReleaseNotFound, `release ${version} does not exist for this app`);
  const parsed = ManifestSchema.safeParse(release.manifest);
  if (!parsed.success) throw nonRetryable(FailureType.InvalidManifest, `release ${version} has an invalid manifest`);
  const manifest = parsed.data;
  const platform = { SLIPWAY_RELEASE_VERSION: version, SLIPWAY_DEPLOYMENT_ID: deploymentId };

  let plan = planEnv(manifest.env, await readEnv(db, cipher, deploymentId), platform);
  if (plan.toGenerate.length > 0) {
    await insertGeneratedEnvVars(
      db,
      cipher,
      deploymentId,
      plan.toGenerate.map((g) => ({ key: g.key, value: GENERATORS[g.kind](), secret: g.secret })),
    );
    plan = planEnv(manifest.env, await readEnv(db, cipher, deploymentId), platform);
  }
  return { deployment, release, manifest, plan };
}

/** A secret this worker cannot open stays unopened: no retry fixes a wrong key, an operator does. */
async function readEnv(db: DbOrTrx, cipher: SecretCipher, deploymentId: string) {
  try {
    return await listEnvVars(db, cipher, deploymentId);
  } catch (err) {
    if (err instanceof SecretKeyError) throw nonRetryable(FailureType.SecretKeyMismatch, err.message);
    throw err;
  }
}

export function missingEnvFailure(version: string, missing: string[]) {
  return nonRetryable(
    FailureType.MissingRequiredEnv,
    `release ${version} requires ${missing.join(', ')}; set ${missing.length > 1 ? 'them' : 'it'} with PUT /api/deployments/:id/env and retry`,
  );
}
