import { findAppSlug } from '../db/queries/apps';
import { referencedReleases, releasesForRetention } from '../db/queries/retention';
import type { Db } from '../db/database';
import { ManifestSchema } from '../domain/manifest';
import { retentionPlan } from '../domain/retention';
import type { ImageRegistry } from '../ports/imageRegistry';
import type { ArtifactPublisher } from './context';

export interface GcResult {
  dryRun: boolean;
  kept: { app: string; version: string }[];
  removedImages: string[];
  removedArtifacts: string[];
}

/**
 * Removes images and artifacts no kept release references (domain/retention.ts says which are
 * kept). Image manifests are deleted through the registry API; the blobs they alone used are
 * freed by the registry's own offline `garbage-collect` (README "Retention").
 */
export async function collectGarbage(
  deps: { db: Db; images?: ImageRegistry; artifacts: ArtifactPublisher },
  options: { dryRun: boolean; keepNewest: number },
): Promise<GcResult> {
  const rows = await releasesForRetention(deps.db);
  const releases = rows.map((r) => {
    const manifest = ManifestSchema.safeParse(r.manifest);
    const images = manifest.success ? manifest.data.services.flatMap((s) => (s.image ? [s.image] : [])) : [];
    return { appId: r.app_id, version: r.version, createdAt: new Date(r.created_at), images, artifactDigest: r.artifact_digest };
  });
  // Rows that do not parse keep their artifact by being referenced: never delete what we cannot read.
  const unreadable = rows
    .filter((r) => !ManifestSchema.safeParse(r.manifest).success)
    .map((r) => ({ appId: r.app_id, version: r.version }));
  const plan = retentionPlan({
    releases,
    referenced: [...(await referencedReleases(deps.db)), ...unreadable],
    keepNewest: options.keepNewest,
  });
  const slugs = new Map<string, string>();
  const slugOf = async (appId: string) => slugs.get(appId) ?? slugs.set(appId, await findAppSlug(deps.db, appId)).get(appId)!;
  const kept = await Promise.all(plan.kept.map(async (k) => ({ app: await slugOf(k.appId), version: k.version })));
  if (!options.dryRun) {
    for (const image of plan.removeImages) if (deps.images) await deps.images.remove(image);
    for (const digest of plan.removeArtifacts) await deps.artifacts.remove(digest);
  }
  return {
    dryRun: options.dryRun,
    kept,
    removedImages: deps.images ? plan.removeImages : [],
    removedArtifacts: plan.removeArtifacts,
  };
}
