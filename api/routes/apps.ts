import type { FastifyInstance } from 'fastify';
import { InvalidArtifactError } from '../../compute/local/artifactStore';
import { findAppBySlug, findRelease, insertApp, insertRelease } from '../../db/queries/apps';
import { APP_ORDER, listAppsPage, listReleasesPage, RELEASE_ORDER } from '../../db/queries/catalogList';
import { requireAdmin, principalOf } from '../auth';
import type { ApiContext } from '../context';
import { badRequest, conflict, notFound } from '../errors';
import { openPage } from '../paging';
import { presentRelease } from '../presenters';
import { AppParams, CreateAppBody, CreateReleaseBody, ListAppsQuery, ListReleasesQuery } from '../schemas';
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
    const { page, cursorOf } = openPage('apps', APP_ORDER, parseInput(ListAppsQuery, req.query, 'query'), {});
    const { rows, nextKey } = await listAppsPage(ctx.db, page);
    return { apps: rows.map((a) => ({ slug: a.slug, name: a.name, createdAt: a.created_at })), nextCursor: cursorOf(nextKey) };
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
    const q = parseInput(ListReleasesQuery, req.query, 'query');
    const found = await findAppBySlug(ctx.db, slug);
    if (!found) throw notFound(`app ${slug}`);
    const { page, cursorOf } = openPage('releases', RELEASE_ORDER, q, { app: slug });
    const { rows, nextKey } = await listReleasesPage(ctx.db, found.id, page);
    return { releases: rows.map(presentRelease), nextCursor: cursorOf(nextKey) };
  });
}
