import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * What the local provider records about each revision it started, one JSON file per key.
 * The files are how a new worker adopts processes that an earlier (possibly crashed)
 * worker started: processes outlive workers, so memory cannot be the source of truth.
 */
export interface RevisionState {
  key: string;
  deploymentId: string;
  pid: number;
  pgid: number;
  port: number;
  host: string;
  /** Kernel start time of pid (/proc/<pid>/stat field 22); null where /proc is missing. */
  startTime: string | null;
  startedAt: string;
}

/** Keys become file names, so only a safe alphabet is allowed (no `/`, no `..`). */
const KEY = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

export function assertValidKey(key: string): void {
  if (!KEY.test(key)) throw new Error(`invalid revision key "${key}": use letters, digits, '.', '_' and '-'`);
}

export interface RevisionStateFiles {
  statePath(key: string): string;
  logPath(key: string): string;
  read(key: string): Promise<RevisionState | null>;
  /** Atomic: write a temp file then rename, so a crash never leaves half a JSON file. */
  write(state: RevisionState): Promise<void>;
  remove(key: string): Promise<void>;
  readAll(): Promise<RevisionState[]>;
}

export function createRevisionStateFiles(stateDir: string): RevisionStateFiles {
  const statePath = (key: string) => (assertValidKey(key), path.join(stateDir, `${key}.json`));
  const logPath = (key: string) => (assertValidKey(key), path.join(stateDir, `${key}.log`));

  async function read(key: string): Promise<RevisionState | null> {
    try {
      return JSON.parse(await fs.readFile(statePath(key), 'utf8')) as RevisionState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      // A corrupt file cannot name a process we could check: treat the key as not running.
      if (err instanceof SyntaxError) return null;
      throw err;
    }
  }

  async function write(state: RevisionState): Promise<void> {
    await fs.mkdir(stateDir, { recursive: true });
    const temp = path.join(stateDir, `.${state.key}.${randomBytes(4).toString('hex')}.tmp`);
    await fs.writeFile(temp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
    await fs.rename(temp, statePath(state.key));
  }

  async function remove(key: string): Promise<void> {
    await fs.rm(statePath(key), { force: true });
  }

  async function readAll(): Promise<RevisionState[]> {
    const names = await fs.readdir(stateDir).catch(() => [] as string[]);
    const keys = names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => n.slice(0, -5));
    const states = await Promise.all(keys.filter((k) => KEY.test(k)).map(read));
    return states.filter((s): s is RevisionState => s !== null);
  }

  return { statePath, logPath, read, write, remove, readAll };
}
