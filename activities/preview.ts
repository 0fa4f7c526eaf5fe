import { findDeployment, updateDeployment } from '../db/queries/deployments';
import { transitionOf } from '../domain/deploymentStatus';
import { previewHostname, previewRouteId } from '../domain/preview';
import type { ClosePreviewInput, OpenPreviewInput } from '../contract/preview';
import type { ActivityDeps } from './deps';
import { emitOperationEvent } from '../notifications/emit';
import { completePhase, enterPhase, phaseLog } from './operationLog';

/**
 * Manual promotion. openPreview is THE moment an operation starts awaiting promotion: route
 * up, status awaiting_promotion, deadline recorded, the awaiting_promotion notification. Both
 * are idempotent: a retried attempt finds the status already moved and the route already set.
 */
export function createPreviewActivities(deps: ActivityDeps) {
  return {
    async openPreview(input: OpenPreviewInput): Promise<{ hostname: string; expiresAt: string }> {
      await enterPhase(deps, input.operationId, 'awaitPromotion');
      const hostname = previewHostname(input.hostname);
      await deps.router.setRoute({
        deploymentId: previewRouteId(input.deploymentId),
        hostname,
        upstreams: input.revisions.map((r) => ({ key: r.key, url: r.url, weight: 100 })),
        suspended: null,
      });
      const expiresAt = new Date(deps.clock.now() + input.timeoutSeconds * 1000);
      const d = await findDeployment(deps.db, input.deploymentId);
      const t = d ? transitionOf(d, { type: 'await_promotion', kind: input.kind }) : null;
      if (t?.ok) await updateDeployment(deps.db, input.deploymentId, { status: t.status, preview_expires_at: expiresAt });
      // Every attempt emits: the event's id is derived from the operation, so a retry after a crash adds no second delivery.
      await emitOperationEvent(deps.db, 'operation.awaiting_promotion', input.operationId);
      const shown = d?.preview_expires_at ?? expiresAt;
      await phaseLog(
        deps,
        input.operationId,
        'awaitPromotion',
      )('preview', `preview at ${hostname}; awaiting promote or abort until ${shown.toISOString()} (then it aborts)`);
      await completePhase(deps, input.deploymentId, 'awaitPromotion');
      return { hostname, expiresAt: shown.toISOString() };
    },

    /** The preview host goes away; on a promotion the deployment goes back to its in-progress status for the switch. */
    async closePreview(input: ClosePreviewInput): Promise<void> {
      await deps.router.removeRoute(previewRouteId(input.deploymentId));
      const d = await findDeployment(deps.db, input.deploymentId);
      const log = phaseLog(deps, input.operationId, 'awaitPromotion');
      if (input.promotedBy === null) {
        if (d) await updateDeployment(deps.db, d.id, { preview_expires_at: null });
        return log('preview-closed', 'preview route removed');
      }
      const t = d ? transitionOf(d, { type: 'promote', kind: input.kind }) : null;
      if (t?.ok) await updateDeployment(deps.db, input.deploymentId, { status: t.status, preview_expires_at: null });
      await log('promoted', `promoted by ${input.promotedBy}: switching traffic`);
    },
  };
}
