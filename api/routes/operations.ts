import type { FastifyInstance } from 'fastify';
import { findDeploymentForTenant } from '../../db/queries/deployments';
import { findOperation, listOperationLogs } from '../../db/queries/operations';
import { principalOf, type Principal } from '../auth';
import type { ApiContext } from '../context';
import { notFound } from '../errors';
import { presentLog, presentOperation } from '../presenters';
import { OperationParams } from '../schemas';
import { parseInput } from '../validation';

export function operationRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const load = async (p: Principal, params: unknown) => {
    const { id } = parseInput(OperationParams, params, 'params');
    const op = await findOperation(ctx.db, id);
    // Same tenant boundary as deployments: an operation is visible through its deployment.
    if (!op || !(await findDeploymentForTenant(ctx.db, op.deployment_id, p.tenantId))) throw notFound(`operation ${id}`);
    return op;
  };

  app.get('/api/operations/:id', async (req) => presentOperation(await load(principalOf(req), req.params)));

  app.get('/api/operations/:id/logs', async (req) => {
    const op = await load(principalOf(req), req.params);
    return { operationId: op.id, status: op.status, logs: (await listOperationLogs(ctx.db, op.id)).map(presentLog) };
  });
}
