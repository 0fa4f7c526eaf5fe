import { z } from 'zod';
import type { ApiApp } from '../app';
import { listEnvEntries } from '../../db/queries/envKeys';
import { principalOf } from '../auth';
import type { ApiContext } from '../context';
import { loadDeployment } from '../deploymentAccess';
import { routeSchema } from '../routeSchema';
import { DeploymentParams } from '../schemas';

const EnvEntryView = z.object({
  key: z.string(),
  source: z.enum(['tenant', 'generated']),
  secret: z.boolean(),
  value: z.string().nullable().describe('null for secrets: they are write-only'),
});

/** GET /api/deployments/:id/env: what the env editor shows. Secret values never leave the database. */
export function envReadRoutes(app: ApiApp, ctx: ApiContext): void {
  const schema = routeSchema({
    summary: 'The tenant and generated env keys; plain values, secrets as null',
    access: 'token',
    params: DeploymentParams,
    responses: { 200: { description: 'env keys by name', schema: z.object({ env: z.array(EnvEntryView) }) } },
  });
  app.get('/api/deployments/:id/env', { schema }, async (req) => {
    const d = await loadDeployment(ctx, principalOf(req), req.params);
    return { env: await listEnvEntries(ctx.db, d.id) };
  });
}
