import { InvalidArtifactError } from '../compute/local/artifactStore';
import type { Transaction } from 'kysely';
import { findRelease, insertRelease } from '../db/queries/apps';
import type { App, Database, Release } from '../db/schema';
import type { Manifest } from '../domain/manifest';
import type { ApiContext } from './context';
import { badRequest, conflict } from './errors';

export interface ReleaseRequest {
  version: string;
  manifest: Manifest;
  artifact?: { path: string };
  /** An OCI image reference, passed through for builds that run image services. */
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
  if (!r.artifact) {
    throw badRequest('this build publishes artifact releases; send artifact.path (image releases need image services)', [
      { field: 'body.artifact', message: 'required (image-only releases are not supported by this build)' },
    ]);
  }
  const artifact = await ctx.artifacts.put(r.artifact.path).catch((err: unknown) => {
    // Missing, not a folder, outside the artifact roots, or a symlink leading out of it.
    if (err instanceof InvalidArtifactError) throw badRequest(`artifact.path: ${err.message}`, [{ field, message: err.message }]);
    throw err;
  });
  return ctx.db.transaction().execute(async (trx) => {
    const row = await insertRelease(trx, { appId: app.id, version: r.version, manifest: r.manifest, artifactDigest: artifact.digest });
    if (!row) throw conflict('release_exists', `release ${r.version} of ${app.slug} already exists`);
    if (alongside) await alongside(trx, row);
    return row;
  });
}
