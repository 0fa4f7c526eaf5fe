import { z } from 'zod';
import type { ApiApp } from '../app';
import { findDeploymentForTenant } from '../../db/queries/deployments';
import { findOperation } from '../../db/queries/operations';
import { listOperationLogsPage, listOperationsPage, LOG_ORDER, OPERATION_ORDER } from '../../db/queries/operationList';
import { principalOf, type Principal } from '../auth';
import type { ApiContext } from '../context';
import { notFound } from '../errors';
import { streamOperationLogs } from '../logStream';
import type { LogStreams } from '../logStreams';
import { openPage, tenantScope } from '../paging';
import { presentLog, presentOperation } from '../presenters';
import { LogLineView, OperationView, paged } from '../responseSchemas';
import { routeSchema } from '../routeSchema';
import { ListOperationsQuery, OperationLogsQuery, OperationParams } from '../schemas';
import { parseInput } from '../validation';

export function operationRoutes(app: ApiApp, ctx: ApiContext, streams: LogStreams): void {
  // Open log streams would otherwise keep app.close() waiting until their operations end.
  app.addHook('preClose', async () => streams.endAll());

  const load = async (p: Principal, params: unknown) => {
    const { id } = parseInput(OperationParams, params, 'params');
    const op = await findOperation(ctx.db, id);
    // Same tenant boundary as deployments: an operation is visible through its deployment.
    if (!op || !(await findDeploymentForTenant(ctx.db, op.deployment_id, p.tenantId))) throw notFound(`operation ${id}`);
    return op;
  };

  const across = routeSchema({
    summary: 'Operations across deployments, newest first (on-call: ?status=failed&since=…); a tenant sees its own only',
    access: 'token',
    query: ListOperationsQuery,
    responses: {
      200: { description: 'a page of operations', schema: paged('operations', OperationView) },
      403: { description: 'a tenant token named another tenant' },
    },
  });
  const one = routeSchema({
    summary: 'One operation: status, phase, timing, error, retryOf',
    access: 'token',
    params: OperationParams,
    responses: { 200: { description: 'the operation', schema: OperationView } },
  });
  const logs = routeSchema({
    summary: 'Operation log, a page at a time; ?follow=1 streams server-sent events (event: log …, then event: end)',
    access: 'token',
    params: OperationParams,
    query: OperationLogsQuery,
    responses: {
      200: {
        description: 'JSON { operationId, status, logs, nextCursor }, or with follow=1 text/event-stream',
        content: {
          'application/json': {
            schema: z.object({
              operationId: z.string(),
              status: z.string(),
              logs: z.array(LogLineView),
              nextCursor: z.string().nullable(),
            }),
          },
          'text/event-stream': { schema: z.string().describe('event: log (data: a LogLine as JSON) …, then event: end') },
        },
      },
      429: { description: 'too_many_log_streams (20 open per token)' },
    },
  });
  app.get('/api/operations', { schema: across }, async (req) => {
    const p = principalOf(req);
    const { limit, cursor, ...filters } = req.query;
    const tenantId = tenantScope(p, filters.tenant);
    const { page, cursorOf } = openPage('operations', OPERATION_ORDER, { limit, cursor }, { ...filters, tenantId });
    const { rows, nextKey } = await listOperationsPage(ctx.db, { ...filters, tenantId }, page);
    return { operations: rows.map(presentOperation), nextCursor: cursorOf(nextKey) };
  });

  app.get('/api/operations/:id', { schema: one }, async (req) => presentOperation(await load(principalOf(req), req.params)));

  app.get('/api/operations/:id/logs', { schema: logs }, async (req, reply) => {
    const op = await load(principalOf(req), req.params);
    const q = req.query;
    if (q.follow === '1' || q.follow === 'true') {
      streamOperationLogs(ctx.db, req, reply, op.id, streams);
      return reply;
    }
    const { page, cursorOf } = openPage('operation-logs', LOG_ORDER, q, { operationId: op.id });
    const { rows, nextKey } = await listOperationLogsPage(ctx.db, op.id, page);
    return { operationId: op.id, status: op.status, logs: rows.map(presentLog), nextCursor: cursorOf(nextKey) };
  });
}
