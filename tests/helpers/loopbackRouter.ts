import path from 'node:path';
import type { Logger } from '../../ports/logger';
import { startBuiltinRouter, type BuiltinRouter } from '../../traffic/builtin/builtinRouter';

/** The built-in router in this process, proxy and admin API on free loopback ports, routes saved under `dir`. */
export function startLoopbackRouter(dir: string, logger: Logger): Promise<BuiltinRouter> {
  return startBuiltinRouter({
    host: '127.0.0.1',
    port: 0,
    adminHost: '127.0.0.1',
    adminPort: 0,
    stateFile: path.join(dir, 'routes.json'),
    logger,
  });
}
