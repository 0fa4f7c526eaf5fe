import type { ApiApp } from '../app';
import { findAppBySlug, findRelease, latestActiveRelease } from '../../db/queries/apps';
import { appSlugs } from '../../db/queries/catalogList';
import { DEPLOYMENT_ORDER, listDeploymentsPage } from '../../db/queries/deploymentList';
import { deploymentNameTaken, findDeployment, insertDeployment } from '../../db/queries/deployments';
import { upsertTenantEnvVars } from '../../db/queries/envVars';
import { listOperationsPage, OPERATION_ORDER } from '../../db/queries/operationList';
import { invalidTenantEnvNames } from '../../domain/envResolution';
import { ManifestSchema } from '../../domain/manifest';
import { principalOf, type Principal } from '../auth';
import type { ApiContext } from '../context';
import { latestVersions, loadDeployment, showDeployment } from '../deploymentAccess';
import { badRequest, conflict, forbidden } from '../errors';
import { idempotentIds } from '../idempotency';
import { newId } from '../ids';
import { startOperation } from '../operationStarter';
import { openPage, tenantScope } from '../paging';
import { presentOperation } from '../presenters';
import { DeploymentView, OperationStarted, OperationView, paged } from '../responseSchemas';
import { routeSchema } from '../routeSchema';
import { CreateDeploymentBody, DeploymentParams, ListDeploymentOperationsQuery, ListDeploymentsQuery } from '../schemas';
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
    if (!earlier && (await deploymentNameTaken(ctx.db, tenantId, name)))
      throw badRequest(`tenant ${tenantId} already has a deployment named ${name}`, [
        { field: 'body.name', message: 'already used by this tenant' },
      ]);

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
          auto_deploy: body.autoDeploy,
          ...(body.autoUpdate
            ? { auto_update_enabled: body.autoUpdate.enabled, auto_update_max_per_week: body.autoUpdate.maxPerWeek }
            : {}),
        });
        await upsertTenantEnvVars(trx, ctx.secrets, id, body.env, secretKeys);
        return d;
      }));
    const op = await startOperation(ctx, {
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
    summary: 'List deployments (a tenant sees only its own), a page at a time, with filters',
    access: 'token',
    query: ListDeploymentsQuery,
    responses: {
      200: { description: 'a page of deployments', schema: paged('deployments', DeploymentView) },
      403: { description: 'a tenant token named another tenant' },
    },
  });
  app.get('/api/deployments', { schema: list }, async (req) => {
    const p = principalOf(req);
    const { limit, cursor, app: appSlug, ...filters } = req.query;
    const tenantId = tenantScope(p, filters.tenant);
    const { page, cursorOf } = openPage('deployments', DEPLOYMENT_ORDER, { limit, cursor }, { ...filters, app: appSlug, tenantId });
    const found = appSlug ? await findAppBySlug(ctx.db, appSlug) : null;
    if (appSlug && !found) return { deployments: [], nextCursor: null };
    const { rows, nextKey } = await listDeploymentsPage(ctx.db, { ...filters, tenantId, appId: found?.id }, page);
    const appIds = rows.map((d) => d.app_id);
    const [slugs, latest] = await Promise.all([appSlugs(ctx.db, appIds), latestVersions(ctx, appIds)]);
    const deployments = await Promise.all(
      rows.map(({ page_at: _, ...d }) => showDeployment(ctx, d, slugs.get(d.app_id), latest.get(d.app_id) ?? null)),
    );
    return { deployments, nextCursor: cursorOf(nextKey) };
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
    summary: "The deployment's operations, newest first, a page at a time",
    access: 'token',
    params: DeploymentParams,
    query: ListDeploymentOperationsQuery,
    responses: { 200: { description: 'a page of operations', schema: paged('operations', OperationView) } },
  });
  app.get('/api/deployments/:id/operations', { schema: operations }, async (req) => {
    const p = principalOf(req);
    const d = await loadDeployment(ctx, p, req.params);
    const { limit, cursor, ...filters } = req.query;
    const { page, cursorOf } = openPage('deployment-operations', OPERATION_ORDER, { limit, cursor }, { ...filters, deploymentId: d.id });
    const { rows, nextKey } = await listOperationsPage(ctx.db, { ...filters, tenantId: p.tenantId, deploymentId: d.id }, page);
    return { operations: rows.map(presentOperation), nextCursor: cursorOf(nextKey) };
  });
}
