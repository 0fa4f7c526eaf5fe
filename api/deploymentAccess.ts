import { findAppSlug, latestActiveRelease } from '../db/queries/apps';
import { findDeploymentForTenant } from '../db/queries/deployments';
import type { Deployment } from '../db/schema';
import { previewHostname } from '../domain/preview';
import type { Principal } from './auth';
import type { ApiContext } from './context';
import { notFound } from './errors';
import { presentDeployment } from './presenters';
import { DeploymentParams } from './schemas';
import { parseInput } from './validation';

/** The tenant boundary: another tenant's deployment is indistinguishable from a missing one. */
export async function loadDeployment(ctx: ApiContext, p: Principal, params: unknown): Promise<Deployment> {
  const { id } = parseInput(DeploymentParams, params, 'params');
  const d = await findDeploymentForTenant(ctx.db, id, p.tenantId);
  if (!d) throw notFound(`deployment ${id}`);
  return d;
}

/** What showing a deployment needs beyond its row: its app's slug and newest active release, read side by side. */
export async function appFacts(ctx: ApiContext, appId: string): Promise<{ slug: string; latest: string | null }> {
  const [slug, latest] = await Promise.all([findAppSlug(ctx.db, appId), latestActiveRelease(ctx.db, appId)]);
  return { slug, latest: latest?.version ?? null };
}

/** A deployment as the API shows it, with its URL and whether a newer release exists. */
export async function showDeployment(ctx: ApiContext, d: Deployment, appSlug?: string, latestVersion?: string | null) {
  const known = appSlug !== undefined && latestVersion !== undefined;
  const { slug, latest } = known ? { slug: appSlug, latest: latestVersion } : await appFacts(ctx, d.app_id);
  const preview = previewHostname(d.hostname);
  return presentDeployment(d, {
    app: slug,
    routerUrl: `http://${d.hostname}:${ctx.routerPublicPort}`,
    preview: { hostname: preview, url: `http://${preview}:${ctx.routerPublicPort}` },
    updateAvailable: latest && latest !== d.release_version ? latest : null,
  });
}

/** Newest active release per app, looked up once per app rather than once per deployment. */
export async function latestVersions(ctx: ApiContext, appIds: string[]): Promise<Map<string, string | null>> {
  const unique = [...new Set(appIds)];
  const found = await Promise.all(unique.map(async (id) => [id, (await latestActiveRelease(ctx.db, id))?.version ?? null] as const));
  return new Map(found);
}
