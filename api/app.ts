import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { authenticate } from './auth';
import { AuthFailureLimiter } from './authFailureLimiter';
import type { ApiContext } from './context';
import { DOCS_PREFIX, registerDocs } from './docs';
import { createErrorHandler, notFound } from './errors';
import { registerIdempotency } from './idempotency';
import { registerJsonBody } from './jsonBody';
import { LogStreams } from './logStreams';
import { trackRoutes } from './routeRegistry';
import { adminTokenRoutes } from './routes/adminTokens';
import { appRoutes } from './routes/apps';
import { deploymentRoutes } from './routes/deployments';
import { envRoutes } from './routes/env';
import { healthRoutes } from './routes/health';
import { lifecycleRoutes } from './routes/lifecycle';
import { metricsRoutes } from './routes/metrics';
import { massUpgradeRoutes } from './routes/massUpgrades';
import { retentionRoutes } from './routes/retention';
import { canaryRoutes } from './routes/canary';
import { deploymentEventRoutes } from './routes/deploymentEvents';
import { envReadRoutes } from './routes/envRead';
import { trafficRoutes } from './routes/traffic';
import { DASHBOARD_PREFIX, registerDashboard } from './dashboard';
import { operationRoutes } from './routes/operations';
import { previewRoutes } from './routes/preview';
import { automationRoutes } from './routes/automation';
import { subscriptionRoutes } from './routes/subscriptions';
import { PUSH_PATH, webhookRoutes } from './routes/webhooks';
import { jsonSerializerCompiler, zodValidatorCompiler, type ZodInputTypeProvider } from './validation';

/** find-my-way's default; no id Slipway makes comes near it. */
const MAX_PARAM_LENGTH = 100;

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
// The dashboard's page and assets hold no data: its scripts call the API with the token the user typed.
const isPublic = (path: string) =>
  PUBLIC_PATHS.has(path) || path === '/' || under(path, DOCS_PREFIX) || under(path, DASHBOARD_PREFIX) || PUSH_PATH.test(path);

/** The app as route plugins see it: request types come from the zod schemas they declare. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodInputTypeProvider
>;

/** Builds the HTTP API; src/processes/api.ts listens, tests listen on port 0. */
export function buildApp(ctx: ApiContext): FastifyInstance {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // Fastify's two info lines per request drown a terminal; one debug line per request instead (LOG_LEVEL=debug).
    logController: new LogController({ disableRequestLogging: true }),
    // A path parameter past the router's length limit, or a URL that does not decode, is bad input
    // like any other: 400 naming the params in the API's own shape (Fastify's own answer is an
    // undocumented 414 or a body of another shape).
    frameworkErrors: (err, _req, reply: FastifyReply) => {
      const message =
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`
          : 'the URL path does not decode (bad percent-encoding)';
      void reply.status(400).send({ code: 'bad_request', message, fields: [{ field: 'params', message }] });
    },
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(jsonSerializerCompiler);
  app.setErrorHandler(createErrorHandler(ctx.logger));
  app.setNotFoundHandler((req) => {
    throw notFound(`route ${req.method} ${req.url.split('?')[0]}`);
  });
  const limiter = new AuthFailureLimiter(ctx.authFailureLimits);
  app.addHook('onRequest', async (req) => {
    if (isPublic(req.url.split('?')[0])) return;
    req.principal = await authenticate(ctx.db, req, limiter);
  });
  // Shared by the event-stream routes and token revocation, which ends a revoked token's streams.
  const logStreams = new LogStreams();
  registerJsonBody(app);
  trackRoutes(app);
  registerIdempotency(app, ctx);
  registerDocs(app);
  registerDashboard(app, ctx.logger);
  // Routes are added once the docs plugin has loaded, so it sees every one of them.
  app.after(() => {
    const api: ApiApp = app.withTypeProvider<ZodInputTypeProvider>();
    healthRoutes(api, ctx);
    metricsRoutes(api, ctx);
    appRoutes(api, ctx);
    deploymentRoutes(api, ctx);
    envRoutes(api, ctx);
    envReadRoutes(api, ctx);
    lifecycleRoutes(api, ctx);
    canaryRoutes(api, ctx);
    previewRoutes(api, ctx);
    trafficRoutes(api, ctx);
    deploymentEventRoutes(api, ctx, logStreams);
    operationRoutes(api, ctx, logStreams);
    adminTokenRoutes(api, ctx, logStreams);
    massUpgradeRoutes(api, ctx);
    webhookRoutes(api, ctx);
    automationRoutes(api, ctx);
    subscriptionRoutes(api, ctx);
    retentionRoutes(api, ctx);
  });
  return app;
}
