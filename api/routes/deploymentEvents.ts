import { z } from 'zod';
import type { ApiApp } from '../app';
import type { ApiContext } from '../context';
import { streamDeploymentChanges } from '../deploymentEvents';
import type { LogStreams } from '../logStreams';
import { routeSchema } from '../routeSchema';

/** GET /api/events/deployments: server-sent events of the token's deployment changes (the live dashboard list). */
export function deploymentEventRoutes(app: ApiApp, ctx: ApiContext, streams: LogStreams): void {
  const schema = routeSchema({
    summary: "Server-sent events: `event: deployment` each time one of the token's deployments changes",
    access: 'token',
    responses: {
      200: {
        description: 'text/event-stream until the client leaves (or `event: end` when the token is revoked)',
        content: { 'text/event-stream': { schema: z.string().describe('event: deployment (data: a Deployment as JSON) …') } },
      },
      429: { description: 'too_many_log_streams (20 event streams open per token)' },
    },
  });
  app.get('/api/events/deployments', { schema }, async (req, reply) => {
    streamDeploymentChanges(ctx, req, reply, streams);
    return reply;
  });
}
