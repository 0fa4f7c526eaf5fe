import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findOnPath } from './buildTools';

const run = promisify(execFile);

/** What SLIPWAY_COMPUTE=docker needs on the host when Slipway starts the engine itself. */
export const PODMAN_PACKAGES = ['podman', 'runc', 'catatonit', 'iptables'] as const;
export const PODMAN_INSTALL_HINT = `apt-get install -y --no-install-recommends ${PODMAN_PACKAGES.join(' ')}`;
/** Binaries that prove the packages are there (catatonit serves HostConfig.Init). */
const BINARIES = ['podman', 'runc', 'catatonit', 'iptables'];
const SEARCH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/** Another engineer's apt may hold the lock for a while on a shared machine. */
const APT_LOCK_RETRIES = 30;
const APT_LOCK_WAIT_MS = 5_000;

export class PodmanMissingError extends Error {
  override readonly name = 'PodmanMissingError';
}

async function missingBinaries(): Promise<string[]> {
  const env = { PATH: [process.env.PATH ?? '', ...SEARCH].join(':') };
  const missing: string[] = [];
  for (const name of BINARIES) {
    // catatonit lives outside PATH on Debian.
    const found =
      (await findOnPath(name, env)) ?? (name === 'catatonit' ? await findOnPath(name, { PATH: '/usr/libexec/podman' }) : undefined);
    if (!found) missing.push(name);
  }
  return missing;
}

/** Installs the packages with apt-get when root on Debian; otherwise says exactly what to install. */
export async function ensurePodmanPackages(): Promise<void> {
  const missing = await missingBinaries();
  if (missing.length === 0) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !(await findOnPath('apt-get', { PATH: '/usr/bin:/bin' }))) {
    throw new PodmanMissingError(`${missing.join(', ')} not found and this user cannot install them; run as root: ${PODMAN_INSTALL_HINT}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (let attempt = 0; ; attempt++) {
    try {
      await run('apt-get', ['install', '-y', '--no-install-recommends', ...PODMAN_PACKAGES], { env, maxBuffer: 16 * 1024 * 1024 });
      break;
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '');
      if (/Could not get lock|dpkg frontend lock/i.test(stderr) && attempt < APT_LOCK_RETRIES) {
        await new Promise((r) => setTimeout(r, APT_LOCK_WAIT_MS));
        continue;
      }
      throw new PodmanMissingError(
        `installing ${PODMAN_PACKAGES.join(' ')} with apt-get failed (${stderr.trim().split('\n').pop() ?? String(err)}); run: ${PODMAN_INSTALL_HINT}`,
      );
    }
  }
  const still = await missingBinaries();
  if (still.length > 0)
    throw new PodmanMissingError(`${still.join(', ')} still missing after apt-get install; run: ${PODMAN_INSTALL_HINT}`);
}
