import { z } from 'zod';
import type { ApiApp } from '../app';
import { findAppBySlug, findRelease, latestActiveRelease, listApps } from '../../db/queries/apps';
import { findDeployment, insertDeployment, listDeployments } from '../../db/queries/deployments';
import { upsertTenantEnvVars } from '../../db/queries/envVars';
import { listOperations } from '../../db/queries/operations';
import { invalidTenantEnvNames } from '../../domain/envResolution';
import { ManifestSchema } from '../../domain/manifest';
import { principalOf, type Principal } from '../auth';
import type { ApiContext } from '../context';
import { latestVersions, loadDeployment, showDeployment } from '../deploymentAccess';
import { badRequest, conflict, forbidden } from '../errors';
import { idempotentIds } from '../idempotency';
import { newId } from '../ids';
import { startOperation } from '../operationStarter';
import { presentOperation } from '../presenters';
import { DeploymentView, OperationStarted, OperationView } from '../responseSchemas';
import { routeSchema } from '../routeSchema';
import { CreateDeploymentBody, DeploymentParams, ListDeploymentsQuery } from '../schemas';
import { triggerOf } from '../trigger';

function tenantFor(p: Principal, requested: string | undefined): string {
  if (p.role === 'tenant') {
    if (requested !== undefined && requested !== p.tenantId)
      throw forbidden('a tenant token can only create deployments for its own tenant');
    return p.tenantId as string;
  }
  if (!requested)
    throw badRequest('admins must say which tenant the deployment is for', [
      { field: 'body.tenantId', message: 'required with an admin token' },
    ]);
  return requested;
}

export function deploymentRoutes(app: ApiApp, ctx: ApiContext): void {
  const create = routeSchema({
    summary: 'Create a deployment and start its first deploy',
    access: 'token',
    body: CreateDeploymentBody,
    starts: true,
    responses: {
      202: { description: 'the operation was started; follow it at /api/operations/{id}', schema: OperationStarted },
      403: { description: 'a tenant token named another tenant' },
      409: { description: 'idempotency_key_reused (the key created a deployment for another tenant)' },
    },
  });
  app.post('/api/deployments', { schema: create, config: { startsOperation: true } }, async (req, reply) => {
    const p = principalOf(req);
    const body = req.body;
    const trigger = triggerOf(req, p);
    const tenantId = tenantFor(p, body.tenantId);
    const found = await findAppBySlug(ctx.db, body.app);
    if (!found) throw badRequest(`app ${body.app} does not exist`, [{ field: 'body.app', message: 'no such app' }]);
    const release = body.version ? await findRelease(ctx.db, found.id, body.version) : await latestActiveRelease(ctx.db, found.id);
    if (!release)
      throw badRequest(`app ${body.app} has no release ${body.version ?? '(none published yet)'}`, [
        { field: 'body.version', message: 'no such release' },
      ]);
    const badNames = invalidTenantEnvNames(Object.keys(body.env));
    if (badNames.length > 0)
      throw badRequest(
        'invalid env names',
        badNames.map((b) => ({ field: `body.env.${b.key}`, message: b.reason })),
      );
    const unknownSecret = body.secretEnv.filter((k) => !(k in body.env));
    if (unknownSecret.length > 0)
      throw badRequest(
        'secretEnv names keys that env does not set',
        unknownSecret.map((k) => ({ field: 'body.secretEnv', message: `${k} is not in env` })),
      );

    const manifest = ManifestSchema.parse(release.manifest);
    const secretKeys = new Set([
      ...body.secretEnv,
      ...Object.entries(manifest.env)
        .filter(([, s]) => s.secret)
        .map(([k]) => k),
    ]);
    // With an Idempotency-Key the ids come from the key: a repeat after a crash reuses what the
    // first attempt inserted instead of creating a second deployment.
    const ids = idempotentIds(req);
    const id = ids?.deploymentId ?? newId('d');
    const name = body.name ?? id;
    const earlier = ids ? await findDeployment(ctx.db, id) : null;
    if (earlier && earlier.tenant_id !== tenantId)
      throw conflict('idempotency_key_reused', 'this Idempotency-Key already created a deployment for another tenant; use a new key');
    if (!earlier) {
      const exists = await ctx.db
        .selectFrom('deployments')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('name', '=', name)
        .executeTakeFirst();
      if (exists)
        throw badRequest(`tenant ${tenantId} already has a deployment named ${name}`, [
          { field: 'body.name', message: 'already used by this tenant' },
        ]);
    }

    const deployment =
      earlier ??
      (await ctx.db.transaction().execute(async (trx) => {
        const d = await insertDeployment(trx, {
          id,
          tenant_id: tenantId,
          app_id: found.id,
          name,
          hostname: `${id}.${ctx.routeDomain}`,
          release_version: release.version,
          serving_version: null,
          previous_version: null,
          status: 'pending',
          strategy: body.strategy,
          replicas: body.replicas,
          active_slot: null,
          serving_config_revision: null,
          last_error: null,
        });
        await upsertTenantEnvVars(trx, id, body.env, secretKeys);
        return d;
      }));
    const op = await startOperation(ctx.db, ctx.temporal, ctx.logger, {
      deployment,
      kind: 'deploy',
      trigger,
      actor: p.actor,
      toVersion: deployment.release_version,
      strategy: deployment.strategy,
      operationId: ids?.operationId,
      idempotencyKey: ids?.key ?? null,
    });
    return reply.status(202).send({ operation: presentOperation(op), deployment: await showDeployment(ctx, deployment, found.slug) });
  });

  const list = routeSchema({
    summary: 'List deployments (a tenant sees only its own)',
    access: 'token',
    query: ListDeploymentsQuery,
    responses: { 200: { description: 'deployments', schema: z.object({ deployments: z.array(DeploymentView) }) } },
  });
  app.get('/api/deployments', { schema: list }, async (req) => {
    const p = principalOf(req);
    const q = req.query;
    const apps = await listApps(ctx.db);
    const appId = q.app ? apps.find((a) => a.slug === q.app)?.id : undefined;
    if (q.app && !appId) return { deployments: [] };
    const rows = await listDeployments(ctx.db, { tenantId: p.tenantId, appId, status: q.status });
    const slugs = new Map(apps.map((a) => [a.id, a.slug]));
    const latest = await latestVersions(
      ctx,
      rows.map((d) => d.app_id),
    );
    return { deployments: await Promise.all(rows.map((d) => showDeployment(ctx, d, slugs.get(d.app_id), latest.get(d.app_id) ?? null))) };
  });

  const one = routeSchema({
    summary: 'One deployment, with updateAvailable',
    access: 'token',
    params: DeploymentParams,
    responses: { 200: { description: 'the deployment', schema: DeploymentView } },
  });
  app.get('/api/deployments/:id', { schema: one }, async (req) =>
    showDeployment(ctx, await loadDeployment(ctx, principalOf(req), req.params)),
  );

  const operations = routeSchema({
    summary: "The deployment's operations, newest first",
    access: 'token',
    params: DeploymentParams,
    responses: { 200: { description: 'operations', schema: z.object({ operations: z.array(OperationView) }) } },
  });
  app.get('/api/deployments/:id/operations', { schema: operations }, async (req) => {
    const d = await loadDeployment(ctx, principalOf(req), req.params);
    return { operations: (await listOperations(ctx.db, d.id)).map(presentOperation) };
  });
}
