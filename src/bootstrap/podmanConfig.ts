import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Podman's three config files, in Slipway's own folders (no /etc edits). They expand no
 * variables, so they are rendered with absolute paths; CONTAINERS.md §2–§3 says why each
 * line is there on these machines (rootful, no CAP_SYS_RESOURCE, hybrid cgroups).
 */
export interface PodmanPaths {
  /** Persistent: config files, image and container storage, CNI network configs. */
  dataDir: string;
  /** Volatile: runroot, tmp dir, the API socket. Short, since a unix socket path must stay under 108 bytes. */
  runDir: string;
  socket: string;
  containersConf: string;
  storageConf: string;
  registriesConf: string;
  log: string;
}

/** The hard limits here: nofile ≤ `ulimit -Hn` (20000), nproc ≤ 32768 (conmon's own limit). */
export const CONTAINER_ULIMITS = { nofile: 16384, nproc: 4096 } as const;

export function podmanPaths(dataDir: string): PodmanPaths {
  const resolved = path.resolve(dataDir);
  const id = createHash('sha256').update(resolved).digest('hex').slice(0, 10);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  // /run is root's; one run dir per data dir so two checkouts never share an engine by accident.
  const runDir = path.join(root ? '/run' : os.tmpdir(), `slipway-${id}`);
  return {
    dataDir: resolved,
    runDir,
    socket: path.join(runDir, 'podman.sock'),
    containersConf: path.join(resolved, 'containers.conf'),
    storageConf: path.join(resolved, 'storage.conf'),
    registriesConf: path.join(resolved, 'registries.conf'),
    log: path.join(runDir, 'podman.log'),
  };
}

/** The variables every podman command and the service need; without them podman uses /var/lib/containers. */
export function podmanEnv(p: PodmanPaths): Record<string, string> {
  return { CONTAINERS_CONF: p.containersConf, CONTAINERS_STORAGE_CONF: p.storageConf, CONTAINERS_REGISTRIES_CONF: p.registriesConf };
}

export function renderContainersConf(p: PodmanPaths): string {
  return [
    '[containers]',
    `default_ulimits = ["nofile=${CONTAINER_ULIMITS.nofile}:${CONTAINER_ULIMITS.nofile}", "nproc=${CONTAINER_ULIMITS.nproc}:${CONTAINER_ULIMITS.nproc}"]`,
    '[engine]',
    // crun 1.8 rejects the hybrid cgroup layout; there is no systemd as PID 1.
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `tmp_dir = "${path.join(p.runDir, 'libpod')}"`,
    '[network]',
    `network_config_dir = "${path.join(p.dataDir, 'cni')}"`,
    '',
  ].join('\n');
}

export function renderStorageConf(p: PodmanPaths): string {
  return [
    '[storage]',
    'driver = "overlay"',
    `graphroot = "${path.join(p.dataDir, 'storage')}"`,
    `runroot = "${path.join(p.runDir, 'storage')}"`,
    '',
  ].join('\n');
}

/**
 * Plain-HTTP registries (the local one on loopback). The compat API has no tls-verify knob:
 * the service's own registries.conf is the only place to say so (CONTAINERS.md §7).
 */
export function renderRegistriesConf(insecureRegistries: string[]): string {
  const entries = insecureRegistries.map((location) => `[[registry]]\nlocation = "${location}"\ninsecure = true\n`);
  return ['unqualified-search-registries = []', ...entries, ''].join('\n');
}

/**
 * Written before the first podman command: that command records tmp_dir and friends in the
 * storage's bolt database, and later changes are silently ignored.
 */
export async function writePodmanConfig(p: PodmanPaths, insecureRegistries: string[]): Promise<void> {
  await fs.mkdir(p.dataDir, { recursive: true, mode: 0o700 });
  await fs.mkdir(p.runDir, { recursive: true, mode: 0o700 });
  await fs.chmod(p.runDir, 0o700);
  await writeAtomic(p.containersConf, renderContainersConf(p));
  await writeAtomic(p.storageConf, renderStorageConf(p));
  await writeAtomic(p.registriesConf, renderRegistriesConf(insecureRegistries));
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text, { mode: 0o600 });
  await fs.rename(tmp, file);
}
