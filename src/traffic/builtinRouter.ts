import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger';
import { createAdminServer } from './adminApi';
import { createProxyServer } from './proxyServer';
import { createRouteStore } from './routeStore';
import { RouteTable } from './routeTable';
import { UpstreamAgents } from './upstreamAgents';

/** How long close() lets in-flight proxied requests finish before cutting them. */
export const DEFAULT_CLOSE_GRACE_MS = 5_000;

export interface BuiltinRouterOptions {
  /** Public proxy address; 0 picks a free port. */
  host: string;
  port: number;
  /** Admin API address; keep it on loopback, it has no authentication. */
  adminHost: string;
  adminPort: number;
  stateFile: string;
  logger: Logger;
  closeGraceMs?: number;
}

export interface BuiltinRouter {
  proxyUrl: string;
  adminUrl: string;
  close(): Promise<void>;
}

/**
 * Loads the saved routes, then opens the proxy and the admin API. Routes are in the
 * table before the proxy listens, so a restarted router never answers 404 for a
 * deployment it was serving a moment ago.
 */
export async function startBuiltinRouter(opts: BuiltinRouterOptions): Promise<BuiltinRouter> {
  const { logger } = opts;
  const store = createRouteStore(opts.stateFile);
  const table = new RouteTable();
  for (const spec of await store.load()) table.set(spec);
  logger.info({ stateFile: opts.stateFile, routes: table.size }, 'routes loaded');

  const agents = new UpstreamAgents();
  const proxy = createProxyServer({ table, agents, logger });
  const admin = createAdminServer({ table, store, logger });

  try {
    await listen(proxy, opts.host, opts.port);
    await listen(admin, opts.adminHost, opts.adminPort);
  } catch (err) {
    await Promise.all([stop(proxy, 0), stop(admin, 0)]);
    agents.destroyAll();
    throw err;
  }

  const grace = opts.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
  let closing: Promise<void> | undefined;
  return {
    proxyUrl: urlOf(proxy),
    adminUrl: urlOf(admin),
    close() {
      closing ??= (async () => {
        await Promise.all([stop(proxy, grace), stop(admin, grace)]);
        agents.destroyAll();
      })();
      return closing;
    },
  };
}

function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops accepting, drops idle keep-alive sockets now and busy ones after `graceMs`. */
function stop(server: http.Server, graceMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function urlOf(server: http.Server): string {
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}`;
}
