import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findOnPath } from './buildTools';

const run = promisify(execFile);

/**
 * Host packages Slipway installs itself when they are missing (root on Debian), and otherwise
 * names with the exact command to run. Shared by the container engine and the Kubernetes node.
 */
export interface AptRequirement {
  packages: readonly string[];
  /** Binaries that prove the packages are there; a name maps to extra folders searched for it. */
  binaries: readonly string[];
  extraDirs?: Record<string, string[]>;
  /** The error class callers catch (e.g. PodmanMissingError). */
  error: new (message: string) => Error;
}

const SEARCH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/** Another engineer's apt may hold the lock for a while on a shared machine. */
const APT_LOCK_RETRIES = 30;
const APT_LOCK_WAIT_MS = 5_000;

export function aptInstallHint(packages: readonly string[]): string {
  return `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

async function missingBinaries(req: AptRequirement): Promise<string[]> {
  const env = { PATH: [process.env.PATH ?? '', ...SEARCH].join(':') };
  const missing: string[] = [];
  for (const name of req.binaries) {
    const extra = req.extraDirs?.[name];
    const found = (await findOnPath(name, env)) ?? (extra ? await findOnPath(name, { PATH: extra.join(':') }) : undefined);
    if (!found) missing.push(name);
  }
  return missing;
}

export async function ensureAptPackages(req: AptRequirement): Promise<void> {
  const hint = aptInstallHint(req.packages);
  const missing = await missingBinaries(req);
  if (missing.length === 0) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !(await findOnPath('apt-get', { PATH: '/usr/bin:/bin' }))) {
    throw new req.error(`${missing.join(', ')} not found and this user cannot install them; run as root: ${hint}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (let attempt = 0; ; attempt++) {
    try {
      await run('apt-get', ['install', '-y', '--no-install-recommends', ...req.packages], { env, maxBuffer: 16 * 1024 * 1024 });
      break;
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '');
      if (/Could not get lock|dpkg frontend lock/i.test(stderr) && attempt < APT_LOCK_RETRIES) {
        await new Promise((r) => setTimeout(r, APT_LOCK_WAIT_MS));
        continue;
      }
      throw new req.error(
        `installing ${req.packages.join(' ')} with apt-get failed (${stderr.trim().split('\n').pop() ?? String(err)}); run: ${hint}`,
      );
    }
  }
  const still = await missingBinaries(req);
  if (still.length > 0) throw new req.error(`${still.join(', ')} still missing after apt-get install; run: ${hint}`);
}
