import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config';
import { dataPaths } from '../dataPaths';
import { ensureSecretFile } from '../secretFile';
import type { Logger } from '../logger';
import { startBuiltinRouter, type BuiltinRouter } from '../../traffic/builtin/builtinRouter';
import { runProcess } from './runProcess';

import { ROUTER_ADMIN_HOST } from '../routerHosts';

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
    host: config.routerHost,
    port: config.routerPort,
    adminHost: ROUTER_ADMIN_HOST,
    adminPort: config.routerAdminPort,
    adminSecret: await ensureSecretFile(dataPaths(config.dataDir).routerAdminSecret),
    stateFile,
    logger,
    maxBodyBytes: config.routerMaxBodyBytes,
  });
  logger.info({ proxyUrl: router.proxyUrl, adminUrl: router.adminUrl, stateFile }, 'router listening');
  return router;
}

if (require.main === module) {
  runProcess('router', async (config, logger) => {
    // A bug in one request's handling must not take every deployment's traffic down
    // with it: log loudly and keep serving.
    process.on('uncaughtException', (err) => logger.fatal({ err }, 'uncaught exception in router'));
    process.on('unhandledRejection', (err) => logger.fatal({ err }, 'unhandled rejection in router'));
    const router = await runRouter(config, logger);
    return () => router.close();
  });
}
