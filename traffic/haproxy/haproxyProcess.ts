import { spawn } from 'node:child_process';
import { haproxyPaths, type HaproxySettings } from './haproxyConfig';
import { findHaproxy, haproxyArgs } from './haproxyBinary';
import { prepareHaproxyFiles } from './haproxyFiles';
import { waitForPool } from './haproxyReload';

export interface HaproxyProcess {
  pid: number;
  /** SIGTERM to the master (workers stop with it); SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * HAProxy as a child of this process, for tests and benchmarks (`npm start` supervises
 * it with superviseChild instead). Its files are rendered from the saved state first,
 * so a restart serves what the worker last set.
 */
export async function startHaproxy(settings: HaproxySettings, onOutput?: (line: string) => void): Promise<HaproxyProcess> {
  const binary = findHaproxy();
  const state = await prepareHaproxyFiles(settings);
  const paths = haproxyPaths(settings.dir);
  const child = spawn(binary, haproxyArgs(paths, settings.errorLog), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (c: Buffer) => {
    output = (output + c.toString()).slice(-4000);
    onOutput?.(c.toString());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const early = exited.then(() => {
    throw new Error(`haproxy exited during start:\n${output}`);
  });
  await Promise.race([waitForPool(paths.adminSocket, state), early]);
  early.catch(() => undefined);
  return {
    pid: child.pid!,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
