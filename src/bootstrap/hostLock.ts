import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/** flock's exit code when its wait ran out (flock -E), told apart from a failure to run. */
const EXIT_WAIT_RAN_OUT = 75;

export interface HostLock {
  /** Resolves once the lock is free: when the holding child has exited, not when it was told to. */
  release(): Promise<void>;
}

/**
 * A host-wide exclusive lock held by a `flock … cat` child that reads our stdin: when this
 * process ends in any way (SIGKILL included) the pipe closes, cat exits and the kernel drops
 * the lock, so a crashed owner never leaves it held. Waits up to `waitMs` for the current
 * holder (0 = refuse at once); `onWait` hears once that we are waiting.
 */
export async function acquireHostLock(opts: {
  path: string;
  waitMs: number;
  onWait?: () => void;
  /** The error thrown when the wait runs out; it names what holds the lock. */
  unavailable: (why: string) => Error;
}): Promise<HostLock> {
  writeFileSync(opts.path, '', { flag: 'a', mode: 0o600 });
  const seconds = Math.max(0, Math.ceil(opts.waitMs / 1000));
  const child = spawn('flock', ['-w', String(seconds), '-E', String(EXIT_WAIT_RAN_OUT), opts.path, 'sh', '-c', 'echo held; exec cat'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const waitNotice = setTimeout(() => opts.onWait?.(), 500);
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('error', (err: NodeJS.ErrnoException) =>
        reject(opts.unavailable(err.code === 'ENOENT' ? 'flock is missing: install util-linux (apt-get install util-linux)' : String(err))),
      );
      child.once('exit', (code) =>
        reject(
          opts.unavailable(
            code === EXIT_WAIT_RAN_OUT
              ? `another process held ${opts.path} for all of the ${seconds} s waited`
              : `flock on ${opts.path} exited ${String(code)}`,
          ),
        ),
      );
    });
  } finally {
    clearTimeout(waitNotice);
  }
  // Holding the lock must not keep this process alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  child.stdout.destroy();
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    release: () => {
      child.stdin.end();
      return exited;
    },
  };
}
