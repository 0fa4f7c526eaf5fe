import type { ApiApp } from '../app';
import { pingDatabase } from '../../db/queries/ping';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { routeSchema } from '../routeSchema';

export function healthRoutes(app: ApiApp, ctx: ApiContext): void {
  const live = routeSchema({
    summary: 'Liveness',
    access: 'public',
    responses: { 200: { description: 'the process answers', schema: z.object({ status: z.literal('ok') }) } },
  });
  const checks = z.object({ status: z.enum(['ready', 'not_ready']), checks: z.record(z.string(), z.enum(['ok', 'unreachable'])) });
  const ready = routeSchema({
    summary: 'Readiness: database and Temporal answer',
    access: 'public',
    responses: { 200: { description: 'ready', schema: checks }, 503: { description: 'a dependency is unreachable', schema: checks } },
  });
  app.get('/healthz', { schema: live }, async () => ({ status: 'ok' }));

  /** Ready only when both dependencies answer: a load balancer then stops sending work here. */
  app.get('/readyz', { schema: ready }, async (_req, reply) => {
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
