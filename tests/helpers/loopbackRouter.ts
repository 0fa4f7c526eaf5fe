import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '../../ports/logger';
import { startBuiltinRouter, type BuiltinRouter } from '../../traffic/builtin/builtinRouter';

export type LoopbackRouter = BuiltinRouter & { adminSecret: string };

/**
 * The built-in router in this process, proxy and admin API on free loopback ports, routes
 * saved under `dir`, with a fresh admin secret for the client to present.
 */
export async function startLoopbackRouter(dir: string, logger: Logger): Promise<LoopbackRouter> {
  const adminSecret = randomBytes(24).toString('base64url');
  const router = await startBuiltinRouter({
    host: '127.0.0.1',
    port: 0,
    adminHost: '127.0.0.1',
    adminPort: 0,
    adminSecret,
    stateFile: path.join(dir, 'routes.json'),
    logger,
  });
  return Object.assign(router, { adminSecret });
}
