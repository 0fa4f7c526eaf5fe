import { spawn } from 'node:child_process';
import type { OneShotResult } from '../../ports/compute';
import { signalGroup } from './processInfo';

export interface OneShotCommand {
  executable: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** The app's user; absent without isolation. */
  identity: { uid: number; gid: number } | null;
  timeoutMs: number;
  /** Lines of output kept (the last ones): the operation log wants the end, where errors are. */
  maxLines: number;
  /** Aborting kills the run (the activity was cancelled). */
  abort?: AbortSignal;
}

/**
 * Runs a program to its end as its own process group, capturing stdout and stderr together.
 * At the deadline (or an abort) the whole group is SIGKILLed: a release step that hangs must
 * not hold the operation, and nothing it forked may outlive it.
 */
export function runOneShot(c: OneShotCommand): Promise<OneShotResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(c.executable, c.args, {
      cwd: c.cwd,
      env: c.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(c.identity ? { uid: c.identity.uid, gid: c.identity.gid } : {}),
    });
    const lines: string[] = [];
    let partial = '';
    const take = (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
      if (lines.length > c.maxLines) lines.splice(0, lines.length - c.maxLines);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    let timedOut = false;
    const kill = () => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL');
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, c.timeoutMs);
    c.abort?.addEventListener('abort', kill, { once: true });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      c.abort?.removeEventListener('abort', kill);
      if (partial) lines.push(partial);
      // A group member that outlived the leader goes too.
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      resolve({ exitCode: code, signal: signal ?? null, timedOut, output: lines.slice(-c.maxLines) });
    });
  });
}
