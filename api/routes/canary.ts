import { z } from 'zod';
import type { ApiApp } from '../app';
import { deploymentWorkflowId } from '../../domain/operations';
import { abortCanarySignal, promoteCanarySignal } from '../../workflows/canarySignals';
import { principalOf } from '../auth';
import type { ApiContext } from '../context';
import { loadDeployment } from '../deploymentAccess';
import { conflict } from '../errors';
import { operationInFlight } from '../operationStarter';
import { presentOperation } from '../presenters';
import { OperationView } from '../responseSchemas';
import { routeSchema } from '../routeSchema';
import { DeploymentParams, EmptyBody } from '../schemas';

const SIGNALS = { promote: promoteCanarySignal, abort: abortCanarySignal } as const;

/**
 * Manual control of a running canary: delivered as a signal to the deployment's own
 * workflow, which acts on it at its next check (within about two seconds).
 */
export function canaryRoutes(app: ApiApp, ctx: ApiContext): void {
  for (const action of ['promote', 'abort'] as const) {
    const schema = routeSchema({
      summary: action === 'promote' ? 'Promote the running canary to 100 % now' : 'Abort the running canary: all traffic back to stable',
      access: 'token',
      params: DeploymentParams,
      body: EmptyBody,
      responses: {
        202: {
          description: 'signal delivered to the running operation',
          schema: z.object({ operation: OperationView, signal: z.string() }),
        },
        409: { description: 'no_canary_in_flight' },
      },
    });
    app.post(`/api/deployments/:id/canary/${action}`, { schema }, async (req, reply) => {
      const p = principalOf(req);
      const d = await loadDeployment(ctx, p, req.params);
      const op = await operationInFlight(ctx.db, ctx.temporal.client, deploymentWorkflowId(d.id));
      if (!op || op.strategy !== 'canary' || !['upgrade', 'restart', 'retry'].includes(op.kind)) {
        throw conflict('no_canary_in_flight', `deployment ${d.id} has no canary in progress to ${action}`);
      }
      await ctx.temporal.client.workflow.getHandle(deploymentWorkflowId(d.id)).signal(SIGNALS[action], { actor: p.actor });
      return reply.status(202).send({ operation: presentOperation(op), signal: SIGNALS[action].name });
    });
  }
}
