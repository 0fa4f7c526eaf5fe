import type { TrafficRouter } from '../ports/traffic';
import { createHttpRouterClient } from '../traffic/builtin/httpRouterClient';
import type { HaproxySettings } from '../traffic/haproxy/haproxyConfig';
import { createHaproxyRouter } from '../traffic/haproxy/haproxyRouter';
import { createKubernetesRouter } from '../traffic/kubernetes/kubernetesRouter';
import { loadKubeConfig } from '../compute/kubernetes/loadKubeConfig';
import type { Config } from './config';
import { dataPaths } from './dataPaths';
import { ROUTER_ADMIN_HOST } from './routerHosts';
import { ensureSecretFile } from './secretFile';

/** HAProxy listens where the built-in router would: the proxy port, and the admin port for /metrics and /healthz. */
export function haproxySettings(config: Config): HaproxySettings {
  return {
    dir: dataPaths(config.dataDir).haproxy,
    bindHost: config.routerHost,
    port: config.routerPort,
    adminHost: ROUTER_ADMIN_HOST,
    adminPort: config.routerAdminPort,
    maxBodyBytes: config.routerMaxBodyBytes,
    threads: config.haproxyThreads,
    errorLog: config.haproxyErrorLog,
  };
}

/** The worker's TrafficRouter for the configured router kind. */
export async function createTrafficRouter(config: Config): Promise<TrafficRouter> {
  if (config.router === 'haproxy') return createHaproxyRouter(haproxySettings(config));
  if (config.router === 'kubernetes') return createKubernetesRouter({ kubeConfig: loadKubeConfig(config.kubeconfig) });
  // The router made the secret at its first start (or this does, if it runs first).
  const adminSecret = await ensureSecretFile(dataPaths(config.dataDir).routerAdminSecret);
  return createHttpRouterClient({ adminUrl: config.routerAdminUrl, adminSecret });
}
