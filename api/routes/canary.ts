import type { FastifyInstance } from 'fastify';
import { deploymentWorkflowId } from '../../domain/operations';
import { abortCanarySignal, promoteCanarySignal } from '../../workflows/canarySignals';
import { principalOf } from '../auth';
import type { ApiContext } from '../context';
import { loadDeployment } from '../deploymentAccess';
import { conflict } from '../errors';
import { operationInFlight } from '../operationStarter';
import { presentOperation } from '../presenters';
import { EmptyBody } from '../schemas';
import { parseInput } from '../validation';

const SIGNALS = { promote: promoteCanarySignal, abort: abortCanarySignal } as const;

/**
 * Manual control of a running canary: delivered as a signal to the deployment's own
 * workflow, which acts on it at its next check (within about two seconds).
 */
export function canaryRoutes(app: FastifyInstance, ctx: ApiContext): void {
  for (const action of ['promote', 'abort'] as const) {
    app.post(`/api/deployments/:id/canary/${action}`, async (req, reply) => {
      const p = principalOf(req);
      const d = await loadDeployment(ctx, p, req.params);
      parseInput(EmptyBody, req.body, 'body');
      const op = await operationInFlight(ctx.db, ctx.temporal.client, deploymentWorkflowId(d.id));
      if (!op || op.strategy !== 'canary' || !['upgrade', 'restart', 'retry'].includes(op.kind)) {
        throw conflict('no_canary_in_flight', `deployment ${d.id} has no canary in progress to ${action}`);
      }
      await ctx.temporal.client.workflow.getHandle(deploymentWorkflowId(d.id)).signal(SIGNALS[action], { actor: p.actor });
      return reply.status(202).send({ operation: presentOperation(op), signal: SIGNALS[action].name });
    });
  }
}
