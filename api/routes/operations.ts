import { z } from 'zod';
import type { ApiApp } from '../app';
import { findDeploymentForTenant } from '../../db/queries/deployments';
import { findOperation, listOperationLogs } from '../../db/queries/operations';
import { principalOf, type Principal } from '../auth';
import type { ApiContext } from '../context';
import { notFound } from '../errors';
import { streamOperationLogs, type OpenStreams } from '../logStream';
import { presentLog, presentOperation } from '../presenters';
import { LogLineView, OperationView } from '../responseSchemas';
import { routeSchema } from '../routeSchema';
import { OperationLogsQuery, OperationParams } from '../schemas';
import { parseInput } from '../validation';

export function operationRoutes(app: ApiApp, ctx: ApiContext): void {
  const streams: OpenStreams = new Set();
  // Open log streams would otherwise keep app.close() waiting until their operations end.
  app.addHook('preClose', async () => {
    for (const stop of [...streams]) stop();
  });

  const load = async (p: Principal, params: unknown) => {
    const { id } = parseInput(OperationParams, params, 'params');
    const op = await findOperation(ctx.db, id);
    // Same tenant boundary as deployments: an operation is visible through its deployment.
    if (!op || !(await findDeploymentForTenant(ctx.db, op.deployment_id, p.tenantId))) throw notFound(`operation ${id}`);
    return op;
  };

  const one = routeSchema({
    summary: 'One operation: status, phase, timing, error, retryOf',
    access: 'token',
    params: OperationParams,
    responses: { 200: { description: 'the operation', schema: OperationView } },
  });
  const logs = routeSchema({
    summary: 'Operation log; ?follow=1 streams server-sent events (event: log …, then event: end)',
    access: 'token',
    params: OperationParams,
    query: OperationLogsQuery,
    responses: {
      200: {
        description: 'JSON { operationId, status, logs }, or with follow=1 text/event-stream',
        content: {
          'application/json': { schema: z.object({ operationId: z.string(), status: z.string(), logs: z.array(LogLineView) }) },
          'text/event-stream': { schema: z.string().describe('event: log (data: a LogLine as JSON) …, then event: end') },
        },
      },
    },
  });
  app.get('/api/operations/:id', { schema: one }, async (req) => presentOperation(await load(principalOf(req), req.params)));

  app.get('/api/operations/:id/logs', { schema: logs }, async (req, reply) => {
    const op = await load(principalOf(req), req.params);
    const q = req.query;
    if (q.follow === '1' || q.follow === 'true') {
      streamOperationLogs(ctx.db, req, reply, op.id, streams);
      return reply;
    }
    return { operationId: op.id, status: op.status, logs: (await listOperationLogs(ctx.db, op.id)).map(presentLog) };
  });
}
