import type { ApiApp } from '../app';
import { findRelease } from '../../db/queries/apps';
import { bumpConfigRevision, findDeployment } from '../../db/queries/deployments';
import { deleteTenantEnvKeys, listSecretEnvKeys } from '../../db/queries/envKeys';
import { upsertTenantEnvVars } from '../../db/queries/envVars';
import type { Db } from '../../db/database';
import type { Deployment } from '../../db/schema';
import { invalidTenantEnvNames } from '../../domain/envResolution';
import { ManifestSchema } from '../../domain/manifest';
import { principalOf } from '../auth';
import type { ApiContext } from '../context';
import { loadDeployment, showDeployment } from '../deploymentAccess';
import { badRequest, conflict } from '../errors';
import { canStart, earlierAttempt, refuseIfInFlight, startPlanned } from '../lifecycleStart';
import { presentOperation } from '../presenters';
import { startedBy } from '../startedBy';
import { EnvSaved } from '../responseSchemas';
import { routeSchema } from '../routeSchema';
import { DeploymentParams, PutEnvBody } from '../schemas';
import { triggerOf } from '../trigger';

/**
 * PUT /api/deployments/:id/env: configuration changes make operations of the same release.
 * The new values and the new config revision commit together; a deployment that serves
 * something restarts onto them (trigger env_change), any other keeps them for its next
 * deploy, resume or retry. Values are never echoed back, only key names.
 */
export function envRoutes(app: ApiApp, ctx: ApiContext): void {
  const schema = routeSchema({
    summary: 'Set or unset tenant env values: new config revision, then a restart if something serves',
    access: 'token',
    params: DeploymentParams,
    body: PutEnvBody,
    starts: true,
    responses: {
      202: { description: 'saved; restart (trigger env_change) started', schema: EnvSaved },
      200: { description: 'saved; applies at the next deploy/resume/retry', schema: EnvSaved },
      409: { description: 'operation_in_flight or illegal_transition (nothing saved)' },
    },
  });
  app.put('/api/deployments/:id/env', { schema, config: { startsOperation: true } }, async (req, reply) => {
    const p = principalOf(req);
    const d = await loadDeployment(ctx, p, req.params);
    const body = req.body;
    triggerOf(req, p); // validated like everywhere; the restart itself is an env_change
    const by = startedBy(req, p, 'env_change');
    const env = body.env ?? {};
    const unset = body.unset ?? [];
    const secretEnv = body.secretEnv ?? [];
    checkNames(env, unset, secretEnv);

    const earlier = await earlierAttempt(ctx, by, d);
    if (earlier) {
      const op = await startPlanned(ctx, by, d, {
        kind: 'restart',
        toVersion: earlier.to_version,
        strategy: earlier.strategy,
        configRevision: earlier.config_revision,
      });
      return reply.status(202).send({
        operation: presentOperation(op),
        deployment: await showDeployment(ctx, (await findDeployment(ctx.db, d.id)) ?? d),
        changed: changed(env, unset),
      });
    }
    // Saving under a running operation would leave it unclear which values it picked up.
    await refuseIfInFlight(ctx, d);
    if (d.status === 'destroyed') throw conflict('illegal_transition', 'the deployment is destroyed; create a new one');

    const secretKeys = await secretKeysFor(ctx.db, d, secretEnv);
    const revision = await ctx.db.transaction().execute(async (trx) => {
      await upsertTenantEnvVars(trx, ctx.secrets, d.id, env, secretKeys);
      await deleteTenantEnvKeys(trx, d.id, unset);
      return bumpConfigRevision(trx, d.id);
    });
    const saved = (await findDeployment(ctx.db, d.id)) ?? d;

    if (!canStart(saved, 'restart')) {
      return reply.status(200).send({
        operation: null,
        deployment: await showDeployment(ctx, saved),
        changed: changed(env, unset),
        message: 'saved; applies at the next deploy/resume/retry',
      });
    }
    const op = await startPlanned(ctx, by, saved, {
      kind: 'restart',
      toVersion: saved.serving_version,
      strategy: saved.strategy,
      configRevision: revision,
    });
    return reply
      .status(202)
      .send({ operation: presentOperation(op), deployment: await showDeployment(ctx, saved), changed: changed(env, unset) });
  });
}

function checkNames(env: Record<string, string>, unset: string[], secretEnv: string[]): void {
  const fields = [
    ...invalidTenantEnvNames(Object.keys(env)).map((b) => ({ field: `body.env.${b.key}`, message: b.reason })),
    ...invalidTenantEnvNames(unset).map((b) => ({ field: 'body.unset', message: `${b.key}: ${b.reason}` })),
    ...unset.filter((k) => k in env).map((k) => ({ field: 'body.unset', message: `${k} is also set in env` })),
    ...secretEnv.filter((k) => !(k in env)).map((k) => ({ field: 'body.secretEnv', message: `${k} is not in env` })),
  ];
  if (fields.length > 0) throw badRequest(`invalid env change: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
}

/** A value once secret stays secret; the release's own secret names are always secret. */
async function secretKeysFor(db: Db, d: Deployment, secretEnv: string[]): Promise<Set<string>> {
  const release = await findRelease(db, d.app_id, d.release_version);
  const manifestSecrets = release
    ? Object.entries(ManifestSchema.parse(release.manifest).env)
        .filter(([, s]) => s.secret)
        .map(([k]) => k)
    : [];
  return new Set([...secretEnv, ...manifestSecrets, ...(await listSecretEnvKeys(db, d.id))]);
}

function changed(env: Record<string, string>, unset: string[]) {
  return { set: Object.keys(env).sort(), unset: [...unset].sort() };
}
