import { z } from 'zod';
import type { ApiApp } from '../app';
import { findDeployment } from '../../db/queries/deployments';
import { deploymentWorkflowId } from '../../domain/operations';
import { abortPreviewSignal, promotePreviewSignal } from '../../workflows/previewSignals';
import { principalOf } from '../auth';
import type { ApiContext } from '../context';
import { loadDeployment, showDeployment } from '../deploymentAccess';
import { conflict } from '../errors';
import { operationInFlight } from '../operationStarter';
import { presentOperation } from '../presenters';
import { DeploymentView, OperationView } from '../responseSchemas';
import { routeSchema } from '../routeSchema';
import { DeploymentParams, EmptyBody } from '../schemas';

const SIGNALS = { promote: promotePreviewSignal, abort: abortPreviewSignal } as const;
const SUMMARY = {
  promote: 'Promote the preview: switch all traffic to it now, then drain and keep the old revision warm',
  abort: 'Abort the preview: stop it; the serving revision is untouched',
} as const;

/**
 * Decisions on an upgrade awaiting manual promotion, delivered as a signal to the
 * deployment's own workflow, which is waiting on it (durably: a restarted worker still is).
 */
export function previewRoutes(app: ApiApp, ctx: ApiContext): void {
  for (const action of ['promote', 'abort'] as const) {
    const schema = routeSchema({
      summary: SUMMARY[action],
      access: 'token',
      params: DeploymentParams,
      body: EmptyBody,
      responses: {
        202: {
          description: 'the decision was delivered to the waiting operation; follow it at /api/operations/{id}',
          schema: z.object({ operation: OperationView, deployment: DeploymentView, signal: z.string() }),
        },
        409: { description: 'not_awaiting_promotion' },
      },
    });
    app.post(`/api/deployments/:id/${action}`, { schema }, async (req, reply) => {
      const p = principalOf(req);
      const d = await loadDeployment(ctx, p, req.params);
      const op = await operationInFlight(ctx.db, ctx.temporal.client, deploymentWorkflowId(d.id));
      const current = (await findDeployment(ctx.db, d.id)) ?? d;
      if (!op || current.status !== 'awaiting_promotion') {
        throw conflict('not_awaiting_promotion', `deployment ${d.id} is ${current.status}, not awaiting promotion; nothing to ${action}`);
      }
      await ctx.temporal.client.workflow.getHandle(deploymentWorkflowId(d.id)).signal(SIGNALS[action], { actor: p.actor });
      return reply
        .status(202)
        .send({ operation: presentOperation(op), deployment: await showDeployment(ctx, current), signal: SIGNALS[action].name });
    });
  }
}
