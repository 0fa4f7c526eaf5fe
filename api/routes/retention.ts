import { z } from 'zod';
import type { ApiApp } from '../app';
import { requireAdmin } from '../auth';
import type { ApiContext } from '../context';
import { collectGarbage } from '../retention';
import { routeSchema } from '../routeSchema';

/** How many of each app's newest releases stay whatever else holds them: the next upgrade's likely targets. */
export const DEFAULT_KEEP_NEWEST = 3;

const GcBody = z
  .object({
    dryRun: z.boolean().default(false),
    keepNewest: z.number().int().min(1).max(1000).default(DEFAULT_KEEP_NEWEST),
  })
  .strict();

const GcView = z.object({
  dryRun: z.boolean(),
  kept: z.array(z.object({ app: z.string(), version: z.string() })),
  removedImages: z.array(z.string()),
  removedArtifacts: z.array(z.string()),
});

export function retentionRoutes(app: ApiApp, ctx: ApiContext): void {
  const gc = routeSchema({
    summary: 'Remove images and artifacts that no kept release uses (never what serves, stays warm or is a rollback target)',
    access: 'admin',
    body: GcBody,
    responses: { 200: { description: 'what was (or, with dryRun, would be) removed', schema: GcView } },
  });
  app.post('/api/admin/gc', { schema: gc }, async (req) => {
    requireAdmin(req);
    return collectGarbage({ db: ctx.db, images: ctx.images, artifacts: ctx.artifacts }, req.body);
  });
}
