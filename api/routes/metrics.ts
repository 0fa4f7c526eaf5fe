import type { FastifyInstance } from 'fastify';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/prometheus';
import type { ApiContext } from '../context';
import { readEngineSnapshot, renderEngineMetrics } from '../metrics';

/**
 * GET /metrics: engine metrics for Prometheus. Public like /healthz, because it holds
 * only aggregate counts by kind and status (no tenant, deployment or app names).
 * The router's per-deployment metrics stay on its loopback admin listener.
 */
export function metricsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/metrics', async (_req, reply) => {
    const body = await renderEngineMetrics(await readEngineSnapshot(ctx.db));
    return reply.header('content-type', PROMETHEUS_CONTENT_TYPE).header('cache-control', 'no-store').send(body);
  });
}
