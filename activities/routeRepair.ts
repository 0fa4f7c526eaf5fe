import type { Revision } from '../db/schema';
import { RouterUnsupportedError } from '../ports/traffic';
import type { ActivityDeps } from './deps';

/**
 * A switch routes first and records after (switchTraffic, the warm rollback's claim), so an
 * operation that fails between the two leaves the router sending traffic to revisions that
 * Postgres does not call serving: ready ones of this operation, or warm ones of an earlier
 * one. Left so, their retirement would stop what users are being served. This puts the
 * route back on the revisions recorded as serving (none, after a first deploy: the route
 * then answers 503 rather than pointing at a revision about to stop), and says what it did;
 * null when the route already matches. Safe to repeat.
 */
export async function routeBackToServing(deps: ActivityDeps, deploymentId: string, live: Revision[]): Promise<string | null> {
  const serving = live.filter((r) => r.status === 'serving');
  let route;
  try {
    route = await deps.router.getRoute(deploymentId);
  } catch (err) {
    if (err instanceof RouterUnsupportedError) return null;
    throw err;
  }
  if (!route) return null;
  const stray = route.upstreams.filter((u) => u.weight > 0 && !serving.some((r) => r.key === u.key)).map((u) => u.key);
  if (stray.length === 0) return null;
  const upstreams = serving.flatMap((r) => {
    const url = route.upstreams.find((u) => u.key === r.key)?.url ?? r.url;
    return url ? [{ key: r.key, url, weight: 100 }] : [];
  });
  await deps.router.setRoute({ ...route, upstreams });
  const to = serving.length > 0 ? serving.map((r) => r.key).join(', ') : 'no revision (nothing is recorded as serving)';
  return `the route sent traffic to ${stray.join(', ')}, which never became serving; it is back on ${to}`;
}
