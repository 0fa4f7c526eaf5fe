import type { FastifyReply, FastifyRequest } from 'fastify';
import { appSlugs } from '../db/queries/catalogList';
import { CHANGE_OVERLAP_MS, deploymentsChangedSince } from '../db/queries/deploymentChanges';
import { principalOf } from './auth';
import type { ApiContext } from './context';
import { latestVersions, showDeployment } from './deploymentAccess';
import type { LogStreams } from './logStreams';
import { openSseStream } from './sseStream';

export const DEPLOYMENT_EVENTS_POLL_MS = 500;

/**
 * `event: deployment` (data: a Deployment, as GET /api/deployments/:id shows it) each time one
 * of the token's deployments changes, from the moment the stream opens; a client loads the
 * list first, then applies these. Only the token's tenant (every tenant for admins).
 */
export function streamDeploymentChanges(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, streams: LogStreams): void {
  const { tenantId } = principalOf(req);
  // What was sent, by id: the overlap makes every poll see recent rows again.
  const sent = new Map<string, { key: string; at: number }>();
  let since = new Date();
  openSseStream(ctx.db, req, reply, streams, {
    greeting: 'following deployment changes',
    pollMs: DEPLOYMENT_EVENTS_POLL_MS,
    onStop: (sink, status) => sink.send('end', { status }),
    async poll(sink) {
      const rows = (await deploymentsChangedSince(ctx.db, tenantId, since)).filter((d) => sent.get(d.id)?.key !== d.change_key);
      if (rows.length === 0 || sink.closed) return;
      const appIds = rows.map((d) => d.app_id);
      const [slugs, latest] = await Promise.all([appSlugs(ctx.db, appIds), latestVersions(ctx, appIds)]);
      for (const { change_key, ...d } of rows) {
        sink.send('deployment', await showDeployment(ctx, d, slugs.get(d.app_id), latest.get(d.app_id) ?? null));
        sent.set(d.id, { key: change_key, at: d.updated_at.getTime() });
        if (d.updated_at > since) since = d.updated_at;
      }
      for (const [id, s] of sent) if (s.at < since.getTime() - 2 * CHANGE_OVERLAP_MS) sent.delete(id);
    },
  });
}
