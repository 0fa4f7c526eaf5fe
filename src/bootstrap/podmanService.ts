import { promises as fs } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from '../logger';
import { connectEngine } from '../../compute/docker/engineClient';
import { pidExists } from '../../compute/local/processInfo';
import { ensureContainerIsolation, removeContainerIsolation } from './engineFirewall';
import { podmanEnv, podmanPaths, writePodmanConfig, type PodmanPaths } from './podmanConfig';
import { ensurePodmanPackages } from './podmanPackages';
import { superviseChild, type SupervisedChild } from './superviseChild';

/** `_ping` answers in ~0.1 s on an idle machine; a loaded one with a cold storage needs more. */
const PING_TIMEOUT_MS = 60_000;
const PING_POLL_MS = 100;

export interface PodmanEngine {
  /** For DOCKER_HOST of the worker and of the docker CLI. */
  dockerHost: string;
  paths: PodmanPaths;
  docker: Docker;
  /**
   * Stops the API service; containers keep running (conmon owns them). The isolation rules go
   * too, but only once no container runs on this engine: they are what keeps running ones apart.
   */
  stop(): Promise<void>;
}

export interface StartPodmanOptions {
  /** Persistent home of the engine's config and storage (`<data dir>/containers`). */
  dataDir: string;
  /** `host:port` of registries spoken to over plain HTTP (the local one). */
  insecureRegistries: string[];
  logger: Logger;
}

/**
 * Podman's Docker-compatible API service on a private socket, supervised: a crash restarts it
 * and running containers are untouched (conmon double-forks). Config goes in before any
 * podman command touches the storage (see podmanConfig.ts).
 */
export async function startPodmanEngine(o: StartPodmanOptions): Promise<PodmanEngine> {
  await ensurePodmanPackages();
  const paths = podmanPaths(o.dataDir);
  await writePodmanConfig(paths, o.insecureRegistries);
  // The run dir is this engine's own (one per data dir): its name tags the engine's firewall rules.
  const firewallOwner = path.basename(paths.runDir);
  await ensureContainerIsolation(firewallOwner);
  await stopLeftoverService(paths, o.logger);
  const child: SupervisedChild = superviseChild({
    name: 'podman',
    command: 'sh',
    // A SIGKILLed service leaves its socket file behind, and a new one would not bind over it.
    // Its output (a line per pull layer) goes to its own log, not the supervisor's terminal.
    args: ['-c', 'rm -f "$1"; exec podman system service --time=0 "unix://$1" >>"$2" 2>&1', 'sh', paths.socket, paths.log],
    env: { ...process.env, ...podmanEnv(paths) },
    logger: o.logger,
    restart: true,
  });
  const docker = connectEngine(`unix://${paths.socket}`);
  await waitForPing(docker, child);
  await fs.writeFile(pidFile(paths), String(child.pid() ?? ''), { mode: 0o600 });
  o.logger.info({ socket: paths.socket, storage: paths.dataDir }, 'podman API service up');
  return {
    dockerHost: `unix://${paths.socket}`,
    paths,
    docker,
    stop: async () => {
      const running = await docker.listContainers().catch(() => null);
      await child.stop('SIGTERM', 10_000);
      await fs.rm(pidFile(paths), { force: true });
      if (running?.length === 0) await removeContainerIsolation(firewallOwner);
      else o.logger.info({ running: running?.length ?? 'unknown' }, 'containers still run: their isolation rules stay');
    },
  };
}

const pidFile = (p: PodmanPaths) => `${p.runDir}/podman.pid`;

/** A service a killed supervisor left behind on this storage: two on one graphroot would fight. */
async function stopLeftoverService(paths: PodmanPaths, logger: Logger): Promise<void> {
  const pid = Number.parseInt(await fs.readFile(pidFile(paths), 'utf8').catch(() => ''), 10);
  if (!Number.isInteger(pid) || pid <= 0 || !pidExists(pid)) return;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('podman') || !cmdline.includes(paths.socket)) return;
  logger.warn({ pid }, 'stopping the podman API service a previous run left behind');
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (pidExists(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, PING_POLL_MS));
  if (pidExists(pid)) process.kill(pid, 'SIGKILL');
}

export async function waitForPing(docker: Docker, child?: SupervisedChild, timeoutMs = PING_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      await docker.ping();
      return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      await child?.stop('SIGTERM', 5_000);
      throw new Error(`the container engine did not answer _ping within ${timeoutMs / 1000} s (${(last as Error)?.message ?? last})`);
    }
    await new Promise((r) => setTimeout(r, PING_POLL_MS));
  }
}
