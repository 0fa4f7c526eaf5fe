import { pidExists } from '../../compute/local/processInfo';
import { spawn } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';

/** Shared by the Temporal CLI and Temporal server bootstraps: locating tools and one-time builds. */
const LOCK_POLL_MS = 2_000;
/** A cold Go build took several minutes on a 2-core machine; give a waiting caller ample room. */
const LOCK_WAIT_MS = 45 * 60_000;

export interface RunResult {
  code: number | null;
  tail: string[];
  /** All of stdout, when asked for with `captureStdout` (e.g. `go mod download -json`). */
  stdout?: string;
}

export interface RunOptions {
  cwd?: string;
  /** Keep stdout whole instead of logging it line by line. */
  captureStdout?: boolean;
}

/** Runs a command, logging each output line at debug and keeping the last lines for error messages. */
export function runStreaming(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logger: Logger,
  source = 'go',
  options: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let stdout = '';
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        logger.debug({ source }, line);
        tail.push(line);
        if (tail.length > 40) tail.shift();
      }
    };
    if (options.captureStdout) child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    else child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) => resolve(options.captureStdout ? { code, tail, stdout } : { code, tail }));
  });
}

export function isChecksumDbError(lines: string[]): boolean {
  const text = lines.join('\n');
  // A genuine "checksum mismatch" must not be papered over; only an unreachable sumdb is retried.
  return /sum\.golang\.org|checksum database|GOSUMDB/i.test(text) && !/checksum mismatch/i.test(text);
}

/**
 * Cross-process lock: `npm start` and `npm test` may both find no binary and must not both
 * run a multi-minute build. The lock file holds the owner's pid so a crashed owner's lock is
 * recognised as stale and taken over.
 */
export async function withBuildLock(lockFile: string, logger: Logger, fn: () => Promise<void>): Promise<void> {
  await fs.mkdir(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      const handle = await fs.open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(await fs.readFile(lockFile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !pidExists(owner)) {
      logger.warn({ lockFile, owner }, 'removing stale build lock');
      await fs.rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lockFile}`);
    if (!announced) {
      logger.info({ owner, lockFile }, 'another process is building; waiting for it');
      announced = true;
    }
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
  try {
    await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}

export async function isExecutable(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}
