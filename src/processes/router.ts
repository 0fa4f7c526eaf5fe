import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type Config } from '../config';
import { createLogger, type Logger } from '../logger';
import { startBuiltinRouter, type BuiltinRouter } from '../../traffic/builtin/builtinRouter';

/** The proxy serves the world; the admin API has no auth, so it stays on loopback. */
export const ROUTER_PUBLIC_HOST = '0.0.0.0';
export const ROUTER_ADMIN_HOST = '127.0.0.1';

export function routerStateFile(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'router', 'routes.json');
}

/**
 * The router is its own process so traffic keeps flowing while the worker or API
 * restarts; it only needs its state file to come back with the same routes.
 */
export async function runRouter(config: Config, logger: Logger): Promise<BuiltinRouter> {
  const stateFile = routerStateFile(config);
  await mkdir(path.dirname(stateFile), { recursive: true });
  const router = await startBuiltinRouter({
    host: ROUTER_PUBLIC_HOST,
    port: config.routerPort,
    adminHost: ROUTER_ADMIN_HOST,
    adminPort: config.routerAdminPort,
    stateFile,
    logger,
    maxBodyBytes: config.routerMaxBodyBytes,
  });
  logger.info({ proxyUrl: router.proxyUrl, adminUrl: router.adminUrl, stateFile }, 'router listening');
  return router;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('router', config.logLevel, config.logFormat);

  // A bug in one request's handling must not take every deployment's traffic down
  // with it: log loudly and keep serving.
  process.on('uncaughtException', (err) => logger.fatal({ err }, 'uncaught exception in router'));
  process.on('unhandledRejection', (err) => logger.fatal({ err }, 'unhandled rejection in router'));

  const router = await runRouter(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'router stopping');
    router.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'router close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
