import type { FastifyInstance } from 'fastify';
import { findDeploymentForTenant } from '../../db/queries/deployments';
import { findOperation, listOperationLogs } from '../../db/queries/operations';
import { principalOf, type Principal } from '../auth';
import type { ApiContext } from '../context';
import { notFound } from '../errors';
import { streamOperationLogs } from '../logStream';
import type { LogStreams } from '../logStreams';
import { presentLog, presentOperation } from '../presenters';
import { OperationLogsQuery, OperationParams } from '../schemas';
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

  app.get('/api/operations/:id', async (req) => presentOperation(await load(principalOf(req), req.params)));

  app.get('/api/operations/:id/logs', async (req, reply) => {
    const op = await load(principalOf(req), req.params);
    const q = parseInput(OperationLogsQuery, req.query, 'query');
    if (q.follow === '1' || q.follow === 'true') {
      streamOperationLogs(ctx.db, req, reply, op.id, streams);
      return reply;
    }
    return { operationId: op.id, status: op.status, logs: (await listOperationLogs(ctx.db, op.id)).map(presentLog) };
  });
}
