import path from 'node:path';
import type { Logger } from '../../ports/logger';
import type { TrafficRouter } from '../../ports/traffic';
import type { RouterKind } from '../../src/config';
import { getFreePort } from '../../compute/local/freePort';
import { startLoopbackRouter } from './loopbackRouter';
import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import type { HaproxySettings } from '../../traffic/haproxy/haproxyConfig';
import { startHaproxy, type HaproxyProcess } from '../../traffic/haproxy/haproxyProcess';
import { createHaproxyRouter } from '../../traffic/haproxy/haproxyRouter';

/** A running router of either kind on loopback, with the TrafficRouter the worker would use for it. */
export interface TestTrafficRouter {
  router: TrafficRouter;
  proxyUrl: string;
  /** Loopback listener with /metrics (both kinds) and /healthz. */
  adminUrl: string;
  close(): Promise<void>;
}

/** Suites that must hold on both routers run once per kind. */
export const ROUTERS: RouterKind[] = ['builtin', 'haproxy'];

export async function startTestTrafficRouter(kind: RouterKind, dir: string, logger: Logger): Promise<TestTrafficRouter> {
  if (kind === 'builtin') {
    const proc = await startLoopbackRouter(dir, logger);
    return {
      router: createHttpRouterClient({ adminUrl: proc.adminUrl, adminSecret: proc.adminSecret }),
      proxyUrl: proc.proxyUrl,
      adminUrl: proc.adminUrl,
      close: () => proc.close(),
    };
  }
  const haproxy = await startTestHaproxy(path.join(dir, 'haproxy'));
  return { ...haproxy, router: await createHaproxyRouter(haproxy.settings) };
}

export interface TestHaproxy {
  settings: HaproxySettings;
  proxyUrl: string;
  adminUrl: string;
  process(): HaproxyProcess;
  /** Stops HAProxy and starts it again on the files the router saved (a crash and a supervisor restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** HAProxy needs concrete ports on its command line, so free ones are picked here (never fixed ones). */
export async function startTestHaproxy(
  dir: string,
  maxBodyBytes = 10 * 1024 * 1024,
  log?: { errorLog: boolean; onOutput: (text: string) => void },
): Promise<TestHaproxy> {
  const settings: HaproxySettings = {
    dir,
    bindHost: '127.0.0.1',
    port: await getFreePort(),
    adminHost: '127.0.0.1',
    adminPort: await getFreePort(),
    maxBodyBytes,
    errorLog: log?.errorLog,
  };
  let proc = await startHaproxy(settings, log?.onOutput);
  return {
    settings,
    proxyUrl: `http://127.0.0.1:${settings.port}`,
    adminUrl: `http://127.0.0.1:${settings.adminPort}`,
    process: () => proc,
    async restart() {
      await proc.stop();
      proc = await startHaproxy(settings, log?.onOutput);
    },
    close: () => proc.stop(),
  };
}
