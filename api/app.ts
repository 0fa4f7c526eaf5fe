import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { authenticate } from './auth';
import type { ApiContext } from './context';
import { createErrorHandler, notFound } from './errors';
import { appRoutes } from './routes/apps';
import { deploymentRoutes } from './routes/deployments';
import { healthRoutes } from './routes/health';
import { operationRoutes } from './routes/operations';

const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);

/** Builds the HTTP API; src/processes/api.ts listens, tests listen on port 0. */
export function buildApp(ctx: ApiContext): FastifyInstance {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
  });
  app.setErrorHandler(createErrorHandler(ctx.logger));
  app.setNotFoundHandler((req) => {
    throw notFound(`route ${req.method} ${req.url.split('?')[0]}`);
  });
  app.addHook('onRequest', async (req) => {
    if (PUBLIC_PATHS.has(req.url.split('?')[0])) return;
    req.principal = await authenticate(ctx.db, req);
  });
  healthRoutes(app, ctx);
  appRoutes(app, ctx);
  deploymentRoutes(app, ctx);
  operationRoutes(app, ctx);
  return app;
}
