import type { ApiApp } from '../app';
import { pauseAutoUpdate, resumeAutoUpdate, setAutomation } from '../../db/queries/autoUpdate';
import { findDeployment } from '../../db/queries/deployments';
import { principalOf } from '../auth';
import type { ApiContext } from '../context';
import { loadDeployment, showDeployment } from '../deploymentAccess';
import { DeploymentView } from '../responseSchemas';
import { routeSchema } from '../routeSchema';
import { AutomationBody, DeploymentParams, EmptyBody } from '../schemas';

/** What may upgrade a deployment without its tenant asking: a signed push, the auto-update schedule. */
export function automationRoutes(app: ApiApp, ctx: ApiContext): void {
  const settings = routeSchema({
    summary: 'Turn push-to-deploy (autoDeploy) and auto-update on or off',
    access: 'token',
    params: DeploymentParams,
    body: AutomationBody,
    responses: { 200: { description: 'the deployment with its new settings', schema: DeploymentView } },
  });
  app.patch('/api/deployments/:id/automation', { schema: settings }, async (req) => {
    const d = await loadDeployment(ctx, principalOf(req), req.params);
    await setAutomation(ctx.db, d.id, req.body);
    return showDeployment(ctx, (await findDeployment(ctx.db, d.id)) ?? d);
  });

  const toggle = (action: 'pause' | 'resume', summary: string) => {
    const schema = routeSchema({
      summary,
      access: 'token',
      params: DeploymentParams,
      body: EmptyBody,
      responses: { 200: { description: 'the deployment (autoUpdatePausedAt shows the pause)', schema: DeploymentView } },
    });
    app.post(`/api/deployments/:id/auto-update/${action}`, { schema }, async (req) => {
      const p = principalOf(req);
      const d = await loadDeployment(ctx, p, req.params);
      if (action === 'pause') await pauseAutoUpdate(ctx.db, d.id, `paused by ${p.actor}`);
      else await resumeAutoUpdate(ctx.db, d.id);
      return showDeployment(ctx, (await findDeployment(ctx.db, d.id)) ?? d);
    });
  };
  toggle('pause', 'Pause auto-update of this deployment (idempotent)');
  toggle('resume', 'Resume auto-update of this deployment, clearing the pause and its reason');
}
