import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Who an app process runs as. One system user per deployment (not per tenant): a
 * deployment's processes can then never read another deployment's files or
 * `/proc/<pid>/environ`, even within one tenant, and the name is derived from the
 * deployment id alone, so a worker that adopts processes after a crash finds the same user.
 */
export interface AppIdentity {
  user: string;
  uid: number;
  /** The artifact's group: the only way the process can read its release's files. */
  gid: number;
  /** The app's own writable directory (HOME), mode 0700, owned by the user. */
  home: string;
}

export interface AppUsers {
  identityFor(deploymentId: string, artifactDir: string): Promise<AppIdentity>;
}

/** The command-line tool that manages users failed; the message says which and why. */
export class AppUserError extends Error {
  override readonly name = 'AppUserError';
}

const USERADD_LOCK_RETRIES = 20;
/**
 * Held (flock) around every useradd/groupadd Slipway runs on this host. shadow 4.13 checks
 * that a name is free before it locks /etc/group, then replaces any entry of that name: two
 * concurrent `groupadd swa-x` both succeed and the last one's gid wins, so an artifact
 * already handed to the first gid becomes unreadable to processes started with the second
 * ("Cannot find module …/server.js" when many tenants first deploy one release at once).
 * Host-wide, not per data dir, because /etc/group is: workers of any data dir share it. In a
 * folder only root may write to (not /run/lock or /tmp, which every app user can write), and
 * kept 0600: a tenant's process that could open the file could hold the lock and stall every
 * first deploy.
 */
export const DEFAULT_ACCOUNTS_LOCK_FILE = path.join(existsSync('/run') ? '/run' : '/etc', 'slipway-accounts.lock');
/** How long one useradd/groupadd may wait for another Slipway process's (flock -w). */
const ACCOUNTS_LOCK_WAIT_SECONDS = 60;
/** flock's exit code when that wait ran out (flock -E), distinct from every useradd code. */
const EXIT_LOCK_TIMEOUT = 75;
/** flock's exit code when it could not run the tool it was given (EX_UNAVAILABLE). */
const EXIT_FLOCK_CANNOT_RUN = 69;
/**
 * Ids of app users and artifact groups: far above people's accounts (1000+) and out of the
 * small system range (100–999), which one user per deployment would soon use up.
 */
export const ID_RANGE = { min: 200_000, max: 299_999 } as const;
/** useradd exits with 9 when the name exists (a concurrent worker made it) and 10 when /etc/passwd is locked. */
const EXIT_EXISTS = 9;
const EXIT_LOCKED = 10;

export const appUserName = (deploymentId: string) => `sw-${hash(deploymentId).slice(0, 20)}`;
export const artifactGroupName = (artifactDir: string) => `swa-${hash(path.resolve(artifactDir)).slice(0, 20)}`;

/**
 * `artifactsRoot` is the content-addressed store: only folders inside it are handed to an
 * artifact group (a folder elsewhere, e.g. a test fixture in the checkout, is never changed
 * and must be readable by others already).
 */
export function createAppUsers(homesDir: string, artifactsRoot: string, accountsLockFile: string = DEFAULT_ACCOUNTS_LOCK_FILE): AppUsers {
  const root = path.resolve(homesDir);
  const store = path.resolve(artifactsRoot) + path.sep;

  async function identityFor(deploymentId: string, artifactDir: string): Promise<AppIdentity> {
    const user = appUserName(deploymentId);
    const home = path.join(root, user);
    const uid = await ensureAccount(accountsLockFile, 'user', user, home);
    const gid = await ensureAccount(accountsLockFile, 'group', artifactGroupName(artifactDir));
    if (path.resolve(artifactDir).startsWith(store)) await grantArtifact(artifactDir, gid);
    // Other users may pass through the homes folder but not list it.
    await fs.mkdir(root, { recursive: true, mode: 0o711 });
    await fs.chmod(root, 0o711);
    await fs.mkdir(home, { recursive: true, mode: 0o700 });
    await fs.chown(home, uid, gid);
    await fs.chmod(home, 0o700);
    return { user, uid, gid, home };
  }

  return { identityFor };
}

/** Creates a user (no login, no password, home not created by useradd) or group unless it exists; answers its id. */
async function ensureAccount(lockFile: string, kind: 'user' | 'group', name: string, home?: string): Promise<number> {
  const existing = await lookupId(kind, name);
  if (existing !== null) return existing;
  const [tool, args] =
    kind === 'user'
      ? [
          'useradd',
          [
            '-K',
            `UID_MIN=${ID_RANGE.min}`,
            '-K',
            `UID_MAX=${ID_RANGE.max}`,
            '--no-log-init',
            '--no-create-home',
            '--home-dir',
            home!,
            '--shell',
            '/usr/sbin/nologin',
            '--no-user-group',
            name,
          ],
        ]
      : ['groupadd', ['-K', `GID_MIN=${ID_RANGE.min}`, '-K', `GID_MAX=${ID_RANGE.max}`, name]];
  // flock would create it 0644, and a read-only descriptor is enough to hold a flock.
  await fs.writeFile(lockFile, '', { flag: 'a', mode: 0o600 });
  await fs.chmod(lockFile, 0o600);
  for (let attempt = 0; ; attempt++) {
    try {
      // Under the lock the tool's own "name exists" check is the truth: a concurrent creator has finished.
      await run('flock', ['-w', String(ACCOUNTS_LOCK_WAIT_SECONDS), '-E', String(EXIT_LOCK_TIMEOUT), lockFile, tool, ...args]);
      break;
    } catch (err) {
      const code = (err as { code?: number | string }).code;
      if (code === EXIT_EXISTS) break;
      if (code === EXIT_LOCKED && attempt < USERADD_LOCK_RETRIES) {
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
        continue;
      }
      if (code === 'ENOENT') throw new AppUserError('flock is missing: install the "util-linux" package (apt-get install util-linux)');
      if (code === EXIT_FLOCK_CANNOT_RUN && /failed to execute/.test((err as { stderr?: string }).stderr ?? ''))
        throw new AppUserError(`${tool} is missing: install the "passwd" package (apt-get install passwd)`);
      if (code === EXIT_LOCK_TIMEOUT)
        throw new AppUserError(`${tool} ${name} waited ${ACCOUNTS_LOCK_WAIT_SECONDS} s for ${lockFile}, held by another process`);
      throw new AppUserError(`${tool} ${name} failed: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`);
    }
  }
  const id = await lookupId(kind, name);
  if (id === null) throw new AppUserError(`${tool} ${name} succeeded but ${name} cannot be found`);
  return id;
}

async function lookupId(kind: 'user' | 'group', name: string): Promise<number | null> {
  try {
    const { stdout } = await run('getent', [kind === 'user' ? 'passwd' : 'group', name]);
    return Number.parseInt(stdout.split(':')[2], 10);
  } catch {
    return null;
  }
}

/**
 * Gives the artifact to root and the artifact's group, and takes every permission away
 * from others: apps of other releases cannot read it. Group bits come from the stored
 * modes (never widened: a file the store keeps at 0400 stays unreadable to the app).
 * Symlinks are never followed (lchown, no chmod), or a link in a release could hand
 * its target to the group. The top folder is done last: its group marks a finished job.
 */
async function grantArtifact(dir: string, gid: number): Promise<void> {
  const top = await fs.stat(dir);
  if (top.gid === gid && (top.mode & 0o007) === 0 && top.uid === 0) return;
  async function apply(abs: string, mode: number): Promise<void> {
    await fs.lchown(abs, 0, gid);
    await fs.chmod(abs, mode & 0o750);
  }
  async function walk(current: string): Promise<void> {
    for (const dirent of await fs.readdir(current, { withFileTypes: true })) {
      const abs = path.join(current, dirent.name);
      if (dirent.isSymbolicLink()) await fs.lchown(abs, 0, gid);
      else if (dirent.isDirectory()) {
        await walk(abs);
        await apply(abs, (await fs.lstat(abs)).mode);
      } else if (dirent.isFile()) await apply(abs, (await fs.lstat(abs)).mode);
    }
  }
  await walk(dir);
  await apply(dir, top.mode);
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
