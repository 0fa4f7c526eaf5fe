import type { FastifyInstance } from 'fastify';
import { findAppBySlug, findRelease, latestActiveRelease, listApps } from '../../db/queries/apps';
import { findDeploymentForTenant, insertDeployment, listDeployments } from '../../db/queries/deployments';
import { upsertTenantEnvVars } from '../../db/queries/envVars';
import { listOperations } from '../../db/queries/operations';
import type { Deployment } from '../../db/schema';
import { invalidTenantEnvNames } from '../../domain/envResolution';
import { ManifestSchema } from '../../domain/manifest';
import { principalOf, type Principal } from '../auth';
import type { ApiContext } from '../context';
import { badRequest, forbidden, notFound } from '../errors';
import { newId } from '../ids';
import { startOperation } from '../operationStarter';
import { presentDeployment, presentOperation } from '../presenters';
import { CreateDeploymentBody, DeploymentParams, ListDeploymentsQuery } from '../schemas';
import { parseInput } from '../validation';

function tenantFor(p: Principal, requested: string | undefined): string {
  if (p.role === 'tenant') {
    if (requested !== undefined && requested !== p.tenantId) throw forbidden('a tenant token can only create deployments for its own tenant');
    return p.tenantId as string;
  }
  if (!requested) throw badRequest('admins must say which tenant the deployment is for', [{ field: 'body.tenantId', message: 'required with an admin token' }]);
  return requested;
}

export function deploymentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const present = async (d: Deployment, appSlug?: string) => {
    const slug = appSlug ?? (await ctx.db.selectFrom('apps').select('slug').where('id', '=', d.app_id).executeTakeFirstOrThrow()).slug;
    const latest = await latestActiveRelease(ctx.db, d.app_id);
    return presentDeployment(d, {
      app: slug,
      routerUrl: `http://${d.hostname}:${ctx.routerPublicPort}`,
      updateAvailable: latest && latest.version !== d.release_version ? latest.version : null,
    });
  };

  /** The tenant boundary: another tenant's deployment is indistinguishable from a missing one. */
  const load = async (p: Principal, params: unknown) => {
    const { id } = parseInput(DeploymentParams, params, 'params');
    const d = await findDeploymentForTenant(ctx.db, id, p.tenantId);
    if (!d) throw notFound(`deployment ${id}`);
    return d;
  };

  app.post('/api/deployments', async (req, reply) => {
    const p = principalOf(req);
    const body = parseInput(CreateDeploymentBody, req.body, 'body');
    const tenantId = tenantFor(p, body.tenantId);
    const found = await findAppBySlug(ctx.db, body.app);
    if (!found) throw badRequest(`app ${body.app} does not exist`, [{ field: 'body.app', message: 'no such app' }]);
    const release = body.version ? await findRelease(ctx.db, found.id, body.version) : await latestActiveRelease(ctx.db, found.id);
    if (!release) throw badRequest(`app ${body.app} has no release ${body.version ?? '(none published yet)'}`, [{ field: 'body.version', message: 'no such release' }]);
    const badNames = invalidTenantEnvNames(Object.keys(body.env));
    if (badNames.length > 0) throw badRequest('invalid env names', badNames.map((b) => ({ field: `body.env.${b.key}`, message: b.reason })));
    const unknownSecret = body.secretEnv.filter((k) => !(k in body.env));
    if (unknownSecret.length > 0) throw badRequest('secretEnv names keys that env does not set', unknownSecret.map((k) => ({ field: 'body.secretEnv', message: `${k} is not in env` })));

    const manifest = ManifestSchema.parse(release.manifest);
    const secretKeys = new Set([...body.secretEnv, ...Object.entries(manifest.env).filter(([, s]) => s.secret).map(([k]) => k)]);
    const id = newId('d');
    const name = body.name ?? id;
    const exists = await ctx.db.selectFrom('deployments').select('id').where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
    if (exists) throw badRequest(`tenant ${tenantId} already has a deployment named ${name}`, [{ field: 'body.name', message: 'already used by this tenant' }]);

    const deployment = await ctx.db.transaction().execute(async (trx) => {
      const d = await insertDeployment(trx, {
        id, tenant_id: tenantId, app_id: found.id, name, hostname: `${id}.${ctx.routeDomain}`,
        release_version: release.version, serving_version: null, previous_version: null,
        status: 'pending', strategy: body.strategy, active_slot: null, serving_config_revision: null, last_error: null,
      });
      await upsertTenantEnvVars(trx, id, body.env, secretKeys);
      return d;
    });
    const op = await startOperation(ctx.db, ctx.temporal, ctx.logger, {
      deployment, kind: 'deploy', trigger: 'api', actor: p.actor, toVersion: release.version, strategy: body.strategy,
    });
    return reply.status(202).send({ operation: presentOperation(op), deployment: await present(deployment, found.slug) });
  });

  app.get('/api/deployments', async (req) => {
    const p = principalOf(req);
    const q = parseInput(ListDeploymentsQuery, req.query, 'query');
    const apps = await listApps(ctx.db);
    const appId = q.app ? apps.find((a) => a.slug === q.app)?.id : undefined;
    if (q.app && !appId) return { deployments: [] };
    const rows = await listDeployments(ctx.db, { tenantId: p.tenantId, appId, status: q.status });
    const slugs = new Map(apps.map((a) => [a.id, a.slug]));
    return { deployments: await Promise.all(rows.map((d) => present(d, slugs.get(d.app_id)))) };
  });

  app.get('/api/deployments/:id', async (req) => present(await load(principalOf(req), req.params)));

  app.get('/api/deployments/:id/operations', async (req) => {
    const d = await load(principalOf(req), req.params);
    return { operations: (await listOperations(ctx.db, d.id)).map(presentOperation) };
  });
}
