import type { TrafficRouter } from '../ports/traffic';
import { createHttpRouterClient } from '../traffic/builtin/httpRouterClient';
import type { HaproxySettings } from '../traffic/haproxy/haproxyConfig';
import { createHaproxyRouter } from '../traffic/haproxy/haproxyRouter';
import type { Config } from './config';
import { dataPaths } from './dataPaths';
import { ROUTER_ADMIN_HOST, ROUTER_PUBLIC_HOST } from './routerHosts';

/** HAProxy listens where the built-in router would: the proxy port, and the admin port for /metrics and /healthz. */
export function haproxySettings(config: Config): HaproxySettings {
  return {
    dir: dataPaths(config.dataDir).haproxy,
    bindHost: ROUTER_PUBLIC_HOST,
    port: config.routerPort,
    adminHost: ROUTER_ADMIN_HOST,
    adminPort: config.routerAdminPort,
    maxBodyBytes: config.routerMaxBodyBytes,
  };
}

/** The worker's TrafficRouter for the configured router kind. */
export function createTrafficRouter(config: Config): Promise<TrafficRouter> {
  if (config.router === 'haproxy') return createHaproxyRouter(haproxySettings(config));
  return Promise.resolve(createHttpRouterClient({ adminUrl: config.routerAdminUrl }));
}
