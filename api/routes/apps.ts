import type { ApiApp } from '../app';
import { findAppBySlug, insertApp } from '../../db/queries/apps';
import { APP_ORDER, listAppsPage, listReleasesPage, RELEASE_ORDER } from '../../db/queries/catalogList';
import { requireAdmin, principalOf } from '../auth';
import type { ApiContext } from '../context';
import { conflict, notFound } from '../errors';
import { openPage } from '../paging';
import { presentRelease } from '../presenters';
import { publishRelease } from '../releasePublisher';
import { AppParams, CreateAppBody, CreateReleaseBody, ListAppsQuery, ListReleasesQuery } from '../schemas';
import { AppView, paged, ReleaseView } from '../responseSchemas';
import { routeSchema } from '../routeSchema';

export function appRoutes(app: ApiApp, ctx: ApiContext): void {
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

  const listApps = routeSchema({
    summary: 'List apps, by slug, a page at a time',
    access: 'token',
    query: ListAppsQuery,
    responses: { 200: { description: 'a page of apps', schema: paged('apps', AppView) } },
  });
  app.get('/api/apps', { schema: listApps }, async (req) => {
    principalOf(req);
    const { page, cursorOf } = openPage('apps', APP_ORDER, req.query, {});
    const { rows, nextKey } = await listAppsPage(ctx.db, page);
    return { apps: rows.map((a) => ({ slug: a.slug, name: a.name, createdAt: a.created_at })), nextCursor: cursorOf(nextKey) };
  });

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
    const row = await publishRelease(ctx, found, body);
    return reply.status(201).send(presentRelease(row));
  });

  const releases = routeSchema({
    summary: 'List releases, newest first, a page at a time',
    access: 'token',
    params: AppParams,
    query: ListReleasesQuery,
    responses: { 200: { description: 'a page of releases', schema: paged('releases', ReleaseView) } },
  });
  app.get('/api/apps/:slug/releases', { schema: releases }, async (req) => {
    principalOf(req);
    const { slug } = req.params;
    const q = req.query;
    const found = await findAppBySlug(ctx.db, slug);
    if (!found) throw notFound(`app ${slug}`);
    const { page, cursorOf } = openPage('releases', RELEASE_ORDER, q, { app: slug });
    const { rows, nextKey } = await listReleasesPage(ctx.db, found.id, page);
    return { releases: rows.map(presentRelease), nextCursor: cursorOf(nextKey) };
  });
}
