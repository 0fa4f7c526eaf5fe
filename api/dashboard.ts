import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../ports/logger';

export const DASHBOARD_PREFIX = '/dashboard';
const ROOT = path.join(__dirname, '..', 'dashboard');

/**
 * No inline script or style, nothing from another origin: a value from the API that slipped
 * past escaping still could not run. The token lives in sessionStorage, so this is what
 * keeps it from a script that is not ours.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function secure(reply: FastifyReply, type: string): FastifyReply {
  return reply
    .type(type)
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store');
}

/** The client bundle, built from dashboard/client with esbuild once per process (about 0.1 s), never fetched from anywhere. */
function bundler(logger: Logger): () => Promise<string> {
  let built: Promise<string> | undefined;
  return () => {
    built ??= build({
      entryPoints: [path.join(ROOT, 'client', 'main.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2022',
      minify: false,
      sourcemap: false,
      logLevel: 'silent',
    }).then(
      (r) => r.outputFiles[0].text,
      (err: unknown) => {
        built = undefined;
        logger.error({ err }, 'dashboard bundle failed to build');
        throw err;
      },
    );
    return built;
  };
}

/**
 * GET / → the dashboard, served by the API itself (same origin as the API it calls, same
 * tokens). The page and assets are public and hold no data; every number on it comes
 * from the API with the token the user signed in with.
 */
export function registerDashboard(app: FastifyInstance, logger: Logger): void {
  const script = bundler(logger);
  const page = fs.readFile(path.join(ROOT, 'index.html'), 'utf8');
  const styles = fs.readFile(path.join(ROOT, 'styles.css'), 'utf8');
  // Built while the API starts listening, so the first visitor does not wait for it.
  app.addHook('onReady', async () => {
    await script().catch(() => undefined);
  });
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect(`${DASHBOARD_PREFIX}/`));
  app.get(DASHBOARD_PREFIX, { schema: { hide: true } }, async (_req, reply) => reply.redirect(`${DASHBOARD_PREFIX}/`));
  app.get(`${DASHBOARD_PREFIX}/`, { schema: { hide: true } }, async (_req, reply) =>
    secure(reply, 'text/html; charset=utf-8').send(await page),
  );
  app.get(`${DASHBOARD_PREFIX}/app.js`, { schema: { hide: true } }, async (_req, reply) =>
    secure(reply, 'text/javascript; charset=utf-8').send(await script()),
  );
  app.get(`${DASHBOARD_PREFIX}/app.css`, { schema: { hide: true } }, async (_req, reply) =>
    secure(reply, 'text/css; charset=utf-8').send(await styles),
  );
}
