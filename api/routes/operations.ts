import type { FastifyInstance } from 'fastify';
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
import { ListOperationsQuery, OperationLogsQuery, OperationParams } from '../schemas';
import { parseInput } from '../validation';

export function operationRoutes(app: FastifyInstance, ctx: ApiContext, streams: LogStreams): void {
  // Open log streams would otherwise keep app.close() waiting until their operations end.
  app.addHook('preClose', async () => streams.endAll());

  const load = async (p: Principal, params: unknown) => {
    const { id } = parseInput(OperationParams, params, 'params');
    const op = await findOperation(ctx.db, id);
    // Same tenant boundary as deployments: an operation is visible through its deployment.
    if (!op || !(await findDeploymentForTenant(ctx.db, op.deployment_id, p.tenantId))) throw notFound(`operation ${id}`);
    return op;
  };

  app.get('/api/operations', async (req) => {
    const p = principalOf(req);
    const { limit, cursor, ...filters } = parseInput(ListOperationsQuery, req.query, 'query');
    const tenantId = tenantScope(p, filters.tenant);
    const { page, cursorOf } = openPage('operations', OPERATION_ORDER, { limit, cursor }, { ...filters, tenantId });
    const { rows, nextKey } = await listOperationsPage(ctx.db, { ...filters, tenantId }, page);
    return { operations: rows.map(presentOperation), nextCursor: cursorOf(nextKey) };
  });

  app.get('/api/operations/:id', async (req) => presentOperation(await load(principalOf(req), req.params)));

  app.get('/api/operations/:id/logs', async (req, reply) => {
    const op = await load(principalOf(req), req.params);
    const q = parseInput(OperationLogsQuery, req.query, 'query');
    if (q.follow === '1' || q.follow === 'true') {
      streamOperationLogs(ctx.db, req, reply, op.id, streams);
      return reply;
    }
    const { page, cursorOf } = openPage('operation-logs', LOG_ORDER, q, { operationId: op.id });
    const { rows, nextKey } = await listOperationLogsPage(ctx.db, op.id, page);
    return { operationId: op.id, status: op.status, logs: rows.map(presentLog), nextCursor: cursorOf(nextKey) };
  });
}
