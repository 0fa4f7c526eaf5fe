import type { ApiApp } from '../app';
import { InvalidArtifactError } from '../../compute/local/artifactStore';
import { findAppBySlug, findRelease, insertApp, insertRelease } from '../../db/queries/apps';
import { APP_ORDER, listAppsPage, listReleasesPage, RELEASE_ORDER } from '../../db/queries/catalogList';
import { requireAdmin, principalOf } from '../auth';
import type { ApiContext } from '../context';
import { badRequest, conflict, notFound } from '../errors';
import { openPage } from '../paging';
import { presentRelease } from '../presenters';
import { ManifestSchema, needsArtifact, type Manifest } from '../../domain/manifest';
import { imageRefProblem } from '../../domain/imageRef';
import { pinImages } from '../releaseImages';
import type { FieldError } from '../errors';
import { AppParams, BumpReleaseBody, CreateAppBody, CreateReleaseBody, ListAppsQuery, ListReleasesQuery, ReleaseParams } from '../schemas';
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
    if (await findRelease(ctx.db, found.id, body.version)) {
      throw conflict('release_exists', `release ${body.version} of ${slug} already exists; releases are immutable, publish a new version`);
    }
    if (!body.artifact && needsArtifact(body.manifest)) {
      const message = 'needed unless every service is an image';
      throw badRequest(`artifact: ${message}`, [{ field: 'body.artifact', message }]);
    }
    const manifest = await pinImages(ctx.images, body.manifest, (i) => `body.manifest.services.${i}.image`);
    const artifact = body.artifact ? await snapshotArtifact(ctx, body.artifact.path) : null;
    const row = await insertRelease(ctx.db, {
      appId: found.id,
      version: body.version,
      manifest,
      artifactDigest: artifact?.digest ?? null,
    });
    if (!row) throw conflict('release_exists', `release ${body.version} of ${slug} already exists`);
    return reply.status(201).send(presentRelease(row));
  });

  const bump = routeSchema({
    summary: "New release from an existing one with only some services' images changed (tags pinned to digests)",
    access: 'admin',
    params: ReleaseParams,
    body: BumpReleaseBody,
    responses: {
      201: { description: 'created', schema: ReleaseView },
      404: { description: 'no such app or release' },
      409: { description: 'release_exists' },
    },
  });
  app.post('/api/apps/:slug/releases/:version/bump', { schema: bump }, async (req, reply) => {
    requireAdmin(req);
    const { slug, version } = req.params;
    const body = req.body;
    const found = await findAppBySlug(ctx.db, slug);
    if (!found) throw notFound(`app ${slug}`);
    const source = await findRelease(ctx.db, found.id, version);
    if (!source) throw notFound(`release ${version} of ${slug}`);
    if (await findRelease(ctx.db, found.id, body.version)) {
      throw conflict('release_exists', `release ${body.version} of ${slug} already exists; releases are immutable, choose a new version`);
    }
    const manifest = ManifestSchema.parse(source.manifest);
    const fields = bumpProblems(manifest, body.images);
    if (fields.length > 0) throw badRequest(fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields);
    const bumped = {
      ...manifest,
      services: manifest.services.map((s) => (s.name in body.images ? { ...s, image: body.images[s.name] } : s)),
    };
    const pinned = await pinImages(ctx.images, bumped, (_i, name) => `body.images.${name}`, new Set(Object.keys(body.images)));
    const row = await insertRelease(ctx.db, {
      appId: found.id,
      version: body.version,
      manifest: pinned,
      artifactDigest: source.artifact_digest,
    });
    if (!row) throw conflict('release_exists', `release ${body.version} of ${slug} already exists`);
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

/** Snapshots the artifact directory; a bad path is the caller's mistake, named as such. */
async function snapshotArtifact(ctx: ApiContext, sourcePath: string) {
  return ctx.artifacts.put(sourcePath).catch((err: unknown) => {
    // Missing, not a folder, outside the artifact roots, or a symlink leading out of it.
    if (err instanceof InvalidArtifactError)
      throw badRequest(`artifact.path: ${err.message}`, [{ field: 'body.artifact.path', message: err.message }]);
    throw err;
  });
}

/** A bump changes images only: each named service must exist and already run from an image. */
function bumpProblems(manifest: Manifest, images: Record<string, string>): FieldError[] {
  const byName = new Map(manifest.services.map((s) => [s.name, s]));
  return Object.entries(images).flatMap(([name, ref]): FieldError[] => {
    const field = `body.images.${name}`;
    const service = byName.get(name);
    if (!service) return [{ field, message: `the release has no service ${name} (it has ${[...byName.keys()].join(', ')})` }];
    if (!service.image) return [{ field, message: `service ${name} runs from the release's artifact; publish a new release to change it` }];
    const problem = imageRefProblem(ref);
    return problem ? [{ field, message: problem }] : [];
  });
}
