import { stat } from 'node:fs/promises';
import { z } from 'zod';
import type { ApiApp } from '../app';
import { findAppBySlug, findRelease, insertApp, insertRelease, listApps, listReleases } from '../../db/queries/apps';
import { requireAdmin, principalOf } from '../auth';
import type { ApiContext } from '../context';
import { badRequest, conflict, notFound } from '../errors';
import { presentRelease } from '../presenters';
import { AppParams, CreateAppBody, CreateReleaseBody } from '../schemas';
import { AppView, ReleaseView } from '../responseSchemas';
import { routeSchema } from '../routeSchema';

export function appRoutes(app: ApiApp, ctx: ApiContext): void {
  const appList = z.object({ apps: z.array(AppView) });
  const releaseList = z.object({ releases: z.array(ReleaseView) });
  const createApp = routeSchema({
    summary: 'Create an app (catalog entry)',
    access: 'admin',
    body: CreateAppBody,
    responses: { 201: { description: 'created', schema: AppView }, 409: { description: 'app_exists' } },
  });
  app.post('/api/apps', { schema: createApp }, async (req, reply) => {
    requireAdmin(req);
    const body = req.body;
    const row = await insertApp(ctx.db, { slug: body.slug, name: body.name ?? body.slug });
    if (!row) throw conflict('app_exists', `app ${body.slug} already exists`);
    return reply.status(201).send({ slug: row.slug, name: row.name, createdAt: row.created_at });
  });

  app.get(
    '/api/apps',
    { schema: routeSchema({ summary: 'List apps', access: 'token', responses: { 200: { description: 'apps', schema: appList } } }) },
    async (req) => {
      principalOf(req);
      return { apps: (await listApps(ctx.db)).map((a) => ({ slug: a.slug, name: a.name, createdAt: a.created_at })) };
    },
  );

  const publish = routeSchema({
    summary: 'Publish an immutable release (snapshots the artifact directory)',
    access: 'admin',
    params: AppParams,
    body: CreateReleaseBody,
    responses: { 201: { description: 'created', schema: ReleaseView }, 409: { description: 'release_exists' } },
  });
  app.post('/api/apps/:slug/releases', { schema: publish }, async (req, reply) => {
    requireAdmin(req);
    const { slug } = req.params;
    const body = req.body;
    const found = await findAppBySlug(ctx.db, slug);
    if (!found) throw notFound(`app ${slug}`);
    if (await findRelease(ctx.db, found.id, body.version)) {
      throw conflict('release_exists', `release ${body.version} of ${slug} already exists; releases are immutable, publish a new version`);
    }
    const isDir = await stat(body.artifact.path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir)
      throw badRequest(`artifact.path ${body.artifact.path} is not a directory on the Slipway server`, [
        { field: 'body.artifact.path', message: 'not a directory on the Slipway server' },
      ]);
    const artifact = await ctx.artifacts.put(body.artifact.path);
    const row = await insertRelease(ctx.db, {
      appId: found.id,
      version: body.version,
      manifest: body.manifest,
      artifactDigest: artifact.digest,
    });
    if (!row) throw conflict('release_exists', `release ${body.version} of ${slug} already exists`);
    return reply.status(201).send(presentRelease(row));
  });

  const releases = routeSchema({
    summary: 'List releases, newest first',
    access: 'token',
    params: AppParams,
    responses: { 200: { description: 'releases', schema: releaseList } },
  });
  app.get('/api/apps/:slug/releases', { schema: releases }, async (req) => {
    principalOf(req);
    const { slug } = req.params;
    const found = await findAppBySlug(ctx.db, slug);
    if (!found) throw notFound(`app ${slug}`);
    return { releases: (await listReleases(ctx.db, found.id)).map(presentRelease) };
  });
}
