import { findRelease } from '../db/queries/apps';
import { findDeployment } from '../db/queries/deployments';
import { findRevision } from '../db/queries/revisions';
import { ManifestSchema, startOrder, webService, type Readiness } from '../domain/manifest';
import type { ActivityDeps } from './deps';
import { serviceKey } from './revisionKey';

export interface RevisionService {
  name: string;
  /** Process key at the compute provider. */
  key: string;
  readiness: Readiness;
  web: boolean;
}

/**
 * The processes of a recorded revision, in start order, from its release's manifest (no env:
 * stopping or checking needs none). A revision whose row or release is gone is just its own
 * key, which is all a single-service revision ever was.
 */
export async function revisionServices(deps: ActivityDeps, revisionKey: string): Promise<RevisionService[]> {
  const alone: RevisionService[] = [{ name: 'web', key: revisionKey, readiness: { path: '/' }, web: true }];
  const rev = await findRevision(deps.db, revisionKey);
  const d = rev && (await findDeployment(deps.db, rev.deployment_id));
  const release = d && (await findRelease(deps.db, d.app_id, rev.release_version));
  const manifest = release && ManifestSchema.safeParse(release.manifest);
  if (!manifest || !manifest.success) return alone;
  const web = webService(manifest.data);
  return startOrder(manifest.data).map((s) => ({
    name: s.name,
    key: serviceKey(revisionKey, s.name, s === web),
    readiness: s.readiness,
    web: s === web,
  }));
}
