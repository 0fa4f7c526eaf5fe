/**
 * What garbage collection may remove: images and artifacts that no kept release references.
 * A release is kept when a deployment runs it, wants it, serves it or names it as previous
 * (its rollback target), when a live revision (warm ones included) runs it, when an operation in
 * flight targets it, or when it is among the app's newest `keepNewest`. Pure, table-tested.
 */
export interface RetentionRelease {
  appId: string;
  version: string;
  createdAt: Date;
  /** Pinned image references of its services. */
  images: string[];
  artifactDigest: string | null;
}

export interface RetentionInput {
  releases: RetentionRelease[];
  /** (app, version) pairs something still needs: deployments, live revisions, operations in flight. */
  referenced: { appId: string; version: string }[];
  keepNewest: number;
}

export interface RetentionPlan {
  kept: { appId: string; version: string }[];
  removeImages: string[];
  removeArtifacts: string[];
}

export function retentionPlan(input: RetentionInput): RetentionPlan {
  const id = (appId: string, version: string) => `${appId}\u0000${version}`;
  const keep = new Set(input.referenced.map((r) => id(r.appId, r.version)));
  const byApp = new Map<string, RetentionRelease[]>();
  for (const r of input.releases) byApp.set(r.appId, [...(byApp.get(r.appId) ?? []), r]);
  for (const releases of byApp.values()) {
    const newest = [...releases].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.version < b.version ? 1 : -1));
    for (const r of newest.slice(0, input.keepNewest)) keep.add(id(r.appId, r.version));
  }
  const kept = input.releases.filter((r) => keep.has(id(r.appId, r.version)));
  const keptImages = new Set(kept.flatMap((r) => r.images));
  const keptArtifacts = new Set(kept.flatMap((r) => (r.artifactDigest ? [r.artifactDigest] : [])));
  const dropped = input.releases.filter((r) => !keep.has(id(r.appId, r.version)));
  return {
    kept: kept.map((r) => ({ appId: r.appId, version: r.version })),
    removeImages: [...new Set(dropped.flatMap((r) => r.images))].filter((i) => !keptImages.has(i)).sort(),
    removeArtifacts: [...new Set(dropped.flatMap((r) => (r.artifactDigest ? [r.artifactDigest] : [])))]
      .filter((a) => !keptArtifacts.has(a))
      .sort(),
  };
}
