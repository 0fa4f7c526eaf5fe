import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../ports/logger';
import { createAdminServer } from './adminApi';
import { defaultLimits, type ProxyContext } from './proxyContext';
import { createProxyServer } from './proxyServer';
import { LoadShedder, type LoadShedderOptions } from './loadShedder';
import { createRouteStore } from './routeStore';
import { RouteTable } from './routeTable';
import { DEFAULT_UNHEALTHY_COOLDOWN_MS, PassiveHealth } from './upstreamHealth';
import { UpstreamPools } from './upstreamPools';

/** How long close() lets in-flight proxied requests finish before cutting them. */
export const DEFAULT_CLOSE_GRACE_MS = 5_000;
/** How often pools of upstreams that went quiet are forgotten. */
const POOL_SWEEP_INTERVAL_MS = 60_000;

export interface BuiltinRouterOptions {
  /** Public proxy address; 0 picks a free port. */
  host: string;
  port: number;
  /** Admin API address; keep it on loopback (it refuses non-loopback Host headers anyway). */
  adminHost: string;
  adminPort: number;
  /** Bearer secret of the admin API (/healthz excepted). */
  adminSecret: string;
  stateFile: string;
  logger: Logger;
  closeGraceMs?: number;
  /** Largest request body proxied (default 10 MiB); bigger ones get 413. */
  maxBodyBytes?: number;
  /** Bound on connecting to an upstream (default 5 s). */
  connectTimeoutMs?: number;
  /** No byte to or from the upstream for this long ends the request (default 60 s; 0 = never). */
  upstreamIdleTimeoutMs?: number;
  /** How long an upstream that refused a connection is skipped (default 2 s). */
  unhealthyCooldownMs?: number;
  /** Admission control: requests in flight per route and event-loop lag before a fast 503. */
  shedding?: LoadShedderOptions;
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

  const limits = defaultLimits({
    maxBodyBytes: opts.maxBodyBytes,
    connectTimeoutMs: opts.connectTimeoutMs,
    upstreamIdleTimeoutMs: opts.upstreamIdleTimeoutMs,
  });
  const pools = new UpstreamPools({ connectTimeoutMs: limits.connectTimeoutMs });
  const health = new PassiveHealth(opts.unhealthyCooldownMs ?? DEFAULT_UNHEALTHY_COOLDOWN_MS);
  const tunnels = new Set<Duplex>();
  const shedder = new LoadShedder(opts.shedding);
  const ctx: ProxyContext = {
    shedder,
    table,
    pools,
    health,
    logger,
    tunnels,
    limits,
  };
  const proxy = createProxyServer(ctx);
  const admin = createAdminServer({ table, store, health, shed: shedder.shed, logger, secret: opts.adminSecret });
  const sweep = setInterval(() => pools.sweepIdle(), POOL_SWEEP_INTERVAL_MS);
  sweep.unref();
  const destroyTunnels = () => {
    for (const socket of tunnels) socket.destroy();
    tunnels.clear();
  };

  try {
    await listen(proxy, opts.host, opts.port);
    await listen(admin, opts.adminHost, opts.adminPort);
  } catch (err) {
    clearInterval(sweep);
    shedder.stop();
    await Promise.all([stop(proxy, 0), stop(admin, 0)]);
    pools.destroyAll();
    throw err;
  }

  const grace = opts.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
  let closing: Promise<void> | undefined;
  return {
    proxyUrl: urlOf(proxy),
    adminUrl: urlOf(admin),
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        shedder.stop();
        await Promise.all([stop(proxy, grace, destroyTunnels), stop(admin, grace)]);
        pools.destroyAll();
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

/**
 * Stops accepting, drops idle keep-alive sockets now and busy ones after `graceMs`.
 * Upgraded (WebSocket) sockets are not the HTTP server's to close: `onGrace` ends them.
 */
function stop(server: http.Server, graceMs: number, onGrace: () => void = () => undefined): Promise<void> {
  if (!server.listening) {
    onGrace();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      onGrace();
    }, graceMs);
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
