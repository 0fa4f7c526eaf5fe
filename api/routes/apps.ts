import type { FastifyInstance } from 'fastify';
import { InvalidArtifactError } from '../../compute/local/artifactStore';
import { findAppBySlug, findRelease, insertApp, insertRelease, listApps, listReleases } from '../../db/queries/apps';
import { requireAdmin, principalOf } from '../auth';
import type { ApiContext } from '../context';
import { badRequest, conflict, notFound } from '../errors';
import { presentRelease } from '../presenters';
import { AppParams, CreateAppBody, CreateReleaseBody } from '../schemas';
import { parseInput } from '../validation';

export function appRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/api/apps', async (req, reply) => {
    requireAdmin(req);
    const body = parseInput(CreateAppBody, req.body, 'body');
    const row = await insertApp(ctx.db, { slug: body.slug, name: body.name ?? body.slug });
    if (!row) throw conflict('app_exists', `app ${body.slug} already exists`);
    return reply.status(201).send({ slug: row.slug, name: row.name, createdAt: row.created_at });
  });

  app.get('/api/apps', async (req) => {
    principalOf(req);
    return { apps: (await listApps(ctx.db)).map((a) => ({ slug: a.slug, name: a.name, createdAt: a.created_at })) };
  });

  app.post('/api/apps/:slug/releases', async (req, reply) => {
    requireAdmin(req);
    const { slug } = parseInput(AppParams, req.params, 'params');
    const body = parseInput(CreateReleaseBody, req.body, 'body');
    const found = await findAppBySlug(ctx.db, slug);
    if (!found) throw notFound(`app ${slug}`);
    if (await findRelease(ctx.db, found.id, body.version)) {
      throw conflict('release_exists', `release ${body.version} of ${slug} already exists; releases are immutable, publish a new version`);
    }
    const artifact = await ctx.artifacts.put(body.artifact.path).catch((err: unknown) => {
      // Missing, not a folder, outside the artifact roots, or a symlink leading out of it.
      if (err instanceof InvalidArtifactError)
        throw badRequest(`artifact.path: ${err.message}`, [{ field: 'body.artifact.path', message: err.message }]);
      throw err;
    });
    const row = await insertRelease(ctx.db, {
      appId: found.id,
      version: body.version,
      manifest: body.manifest,
      artifactDigest: artifact.digest,
    });
    if (!row) throw conflict('release_exists', `release ${body.version} of ${slug} already exists`);
    return reply.status(201).send(presentRelease(row));
  });

  app.get('/api/apps/:slug/releases', async (req) => {
    principalOf(req);
    const { slug } = parseInput(AppParams, req.params, 'params');
    const found = await findAppBySlug(ctx.db, slug);
    if (!found) throw notFound(`app ${slug}`);
    return { releases: (await listReleases(ctx.db, found.id)).map(presentRelease) };
  });
}
