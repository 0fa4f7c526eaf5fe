import type { ApiApp } from '../app';
import { findRevisionsByKeys } from '../../db/queries/revisions';
import { principalOf } from '../auth';
import type { ApiContext } from '../context';
import { loadDeployment } from '../deploymentAccess';
import { unavailable } from '../errors';
import { routeSchema } from '../routeSchema';
import { DeploymentParams } from '../schemas';
import { presentTraffic, TrafficView } from '../trafficView';

/** GET /api/deployments/:id/traffic: the router's live counters for one deployment, read-only. */
export function trafficRoutes(app: ApiApp, ctx: ApiContext): void {
  const schema = routeSchema({
    summary: 'Per-revision router stats (requests, 5xx, in-flight, p99, weight) of one deployment',
    access: 'token',
    params: DeploymentParams,
    responses: {
      200: { description: 'one row per revision in the route or still counted', schema: TrafficView },
      503: { description: 'this API has no router to read stats from (the HAProxy router keeps them in the worker)' },
    },
  });
  app.get('/api/deployments/:id/traffic', { schema }, async (req) => {
    const d = await loadDeployment(ctx, principalOf(req), req.params);
    const router = ctx.router;
    if (!router) throw unavailable('router stats are not available from this API (SLIPWAY_ROUTER=haproxy keeps them in the worker)');
    const [route, stats] = await Promise.all([router.getRoute(d.id), router.stats(d.id)]).catch((err: unknown) => {
      req.log.warn({ err, deploymentId: d.id }, 'router stats unreachable');
      throw unavailable('the traffic router did not answer; try again');
    });
    const keys = [...new Set([...(route?.upstreams ?? []).map((u) => u.key), ...(stats?.upstreams ?? []).map((u) => u.key)])];
    return presentTraffic(d.id, route, stats, await findRevisionsByKeys(ctx.db, d.id, keys), new Date());
  });
}
