import type { FastifyInstance } from 'fastify';
import { pingDatabase } from '../../db/queries/ping';
import type { ApiContext } from '../context';

export function healthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  /** Ready only when both dependencies answer: a load balancer then stops sending work here. */
  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      await pingDatabase(ctx.db);
      checks.database = 'ok';
    } catch {
      checks.database = 'unreachable';
    }
    try {
      await ctx.temporal.client.connection.workflowService.getSystemInfo({});
      checks.temporal = 'ok';
    } catch {
      checks.temporal = 'unreachable';
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks });
  });
}
