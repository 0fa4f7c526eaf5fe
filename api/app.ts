import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { authenticate } from './auth';
import type { ApiContext } from './context';
import { createErrorHandler, notFound } from './errors';
import { registerIdempotency } from './idempotency';
import { registerJsonBody } from './jsonBody';
import { trackRoutes } from './openapi';
import { adminTokenRoutes } from './routes/adminTokens';
import { appRoutes } from './routes/apps';
import { deploymentRoutes } from './routes/deployments';
import { docsRoutes } from './routes/docs';
import { envRoutes } from './routes/env';
import { healthRoutes } from './routes/health';
import { lifecycleRoutes } from './routes/lifecycle';
import { metricsRoutes } from './routes/metrics';
import { massUpgradeRoutes } from './routes/massUpgrades';
import { canaryRoutes } from './routes/canary';
import { operationRoutes } from './routes/operations';

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/docs', '/metrics']);

/** Builds the HTTP API; src/processes/api.ts listens, tests listen on port 0. */
export function buildApp(ctx: ApiContext): FastifyInstance {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // Fastify's two info lines per request drown a terminal; one debug line per request instead (LOG_LEVEL=debug).
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  app.setErrorHandler(createErrorHandler(ctx.logger));
  app.setNotFoundHandler((req) => {
    throw notFound(`route ${req.method} ${req.url.split('?')[0]}`);
  });
  app.addHook('onRequest', async (req) => {
    if (PUBLIC_PATHS.has(req.url.split('?')[0])) return;
    req.principal = await authenticate(ctx.db, req);
  });
  registerJsonBody(app);
  trackRoutes(app);
  registerIdempotency(app, ctx);
  healthRoutes(app, ctx);
  docsRoutes(app);
  metricsRoutes(app, ctx);
  appRoutes(app, ctx);
  deploymentRoutes(app, ctx);
  envRoutes(app, ctx);
  lifecycleRoutes(app, ctx);
  canaryRoutes(app, ctx);
  operationRoutes(app, ctx);
  adminTokenRoutes(app, ctx);
  massUpgradeRoutes(app, ctx);
  return app;
}
