import type { FastifyInstance } from 'fastify';
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
import { CreateDeploymentBody, ListDeploymentOperationsQuery, ListDeploymentsQuery } from '../schemas';
import { triggerOf } from '../trigger';
import { parseInput } from '../validation';

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

export function deploymentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/api/deployments', async (req, reply) => {
    const p = principalOf(req);
    const body = parseInput(CreateDeploymentBody, req.body, 'body');
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

  app.get('/api/deployments', async (req) => {
    const p = principalOf(req);
    const { limit, cursor, app: appSlug, ...filters } = parseInput(ListDeploymentsQuery, req.query, 'query');
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

  app.get('/api/deployments/:id', async (req) => showDeployment(ctx, await loadDeployment(ctx, principalOf(req), req.params)));

  app.get('/api/deployments/:id/operations', async (req) => {
    const p = principalOf(req);
    const d = await loadDeployment(ctx, p, req.params);
    const { limit, cursor, ...filters } = parseInput(ListDeploymentOperationsQuery, req.query, 'query');
    const { page, cursorOf } = openPage('deployment-operations', OPERATION_ORDER, { limit, cursor }, { ...filters, deploymentId: d.id });
    const { rows, nextKey } = await listOperationsPage(ctx.db, { ...filters, tenantId: p.tenantId, deploymentId: d.id }, page);
    return { operations: rows.map(presentOperation), nextCursor: cursorOf(nextKey) };
  });
}
