import { InvalidArtifactError } from '../compute/local/artifactStore';
import type { Transaction } from 'kysely';
import { findRelease, insertRelease } from '../db/queries/apps';
import type { App, Database, Release } from '../db/schema';
import { needsArtifact, webService, type Manifest } from '../domain/manifest';
import { pinImages } from './releaseImages';
import type { ApiContext } from './context';
import { badRequest, conflict } from './errors';

export interface ReleaseRequest {
  version: string;
  manifest: Manifest;
  artifact?: { path: string };
  /** A push's new image for the http service (which must run from an image). */
  image?: string;
  /** Which request field the artifact came from, for error messages (body.artifact.path). */
  field?: string;
}

/**
 * The one way a release comes to be (the admin route and a signed push): snapshot the
 * artifact into the content-addressed store, then insert the immutable row; `alongside`
 * runs in the row's transaction, so what it records exists exactly when the release does.
 */
export async function publishRelease(
  ctx: ApiContext,
  app: App,
  r: ReleaseRequest,
  alongside?: (trx: Transaction<Database>, release: Release) => Promise<void>,
): Promise<Release> {
  const field = r.field ?? 'body.artifact.path';
  if (await findRelease(ctx.db, app.id, r.version)) {
    throw conflict('release_exists', `release ${r.version} of ${app.slug} already exists; releases are immutable, publish a new version`);
  }
  const requested = withPushedImage(r);
  if (!r.artifact && needsArtifact(requested)) {
    const message = 'needed unless every service is an image';
    throw badRequest(`artifact: ${message}`, [{ field: 'body.artifact', message }]);
  }
  // Tags become digests now: the release never changes when a tag moves.
  const manifest = await pinImages(ctx.images, requested, (i) => `body.manifest.services.${i}.image`);
  const artifact = r.artifact
    ? await ctx.artifacts.put(r.artifact.path).catch((err: unknown) => {
        // Missing, not a folder, outside the artifact roots, or a symlink leading out of it.
        if (err instanceof InvalidArtifactError) throw badRequest(`artifact.path: ${err.message}`, [{ field, message: err.message }]);
        throw err;
      })
    : null;
  return ctx.db.transaction().execute(async (trx) => {
    const row = await insertRelease(trx, { appId: app.id, version: r.version, manifest, artifactDigest: artifact?.digest ?? null });
    if (!row) throw conflict('release_exists', `release ${r.version} of ${app.slug} already exists`);
    if (alongside) await alongside(trx, row);
    return row;
  });
}

/** A push names one image: it replaces the http service's, the rest of the manifest stays. */
function withPushedImage(r: ReleaseRequest): Manifest {
  if (!r.image) return r.manifest;
  const web = webService(r.manifest);
  if (!web.image) {
    const message = `service ${web.name} runs from the release's artifact; push an artifact, or make it an image service`;
    throw badRequest(`image: ${message}`, [{ field: 'body.image', message }]);
  }
  return { ...r.manifest, services: r.manifest.services.map((s) => (s === web ? { ...s, image: r.image } : s)) };
}
