import type { ApiApp } from '../app';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/prometheus';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { routeSchema } from '../routeSchema';
import { readEngineSnapshot, renderEngineMetrics } from '../metrics';

/**
 * GET /metrics: engine metrics for Prometheus. Public like /healthz, because it holds
 * only aggregate counts by kind and status (no tenant, deployment or app names).
 * The router's per-deployment metrics stay on its loopback admin listener.
 */
export function metricsRoutes(app: ApiApp, ctx: ApiContext): void {
  const schema = routeSchema({
    summary: 'Engine metrics, Prometheus text format 0.0.4 (aggregate counts only, no tenant names)',
    access: 'public',
    responses: { 200: { description: 'Prometheus text', content: { 'text/plain': { schema: z.string() } } } },
  });
  app.get('/metrics', { schema }, async (_req, reply) => {
    const body = await renderEngineMetrics(await readEngineSnapshot(ctx.db));
    return reply.header('content-type', PROMETHEUS_CONTENT_TYPE).header('cache-control', 'no-store').send(body);
  });
}
