import { spawn } from 'node:child_process';
import type { Logger } from '../logger';
import { forEachLine } from './serverLog';

export interface ServerChildOptions {
  /** How errors and logs name it, e.g. "Temporal dev server". */
  what: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  /** Every output line; `stopping` is true once stop() began (shutdown noise is expected then). */
  onLine(line: string, stream: 'stdout' | 'stderr', stopping: boolean): void;
  stopGraceMs: number;
  tailLines?: number;
}

export interface ServerChild {
  readonly pid: number | undefined;
  /** Resolves with `ready`; if the child exits or cannot spawn first, or `ready` fails, stops it and rejects with its last output. */
  whenReady(ready: Promise<void>): Promise<void>;
  /** SIGTERM, then SIGKILL after the grace period; resolves once it is gone. */
  stop(): Promise<void>;
}

/**
 * A local server the bootstrap starts and owns (the Temporal dev server, the OCI registry):
 * in its own process group, so a terminal's Ctrl-C reaches only the supervisor, which stops
 * it last; killed if our process exits without stopping it, so nothing is left orphaned.
 */
export function startServerChild(options: ServerChildOptions): ServerChild {
  const { what, logger } = options;
  const child = spawn(options.command, options.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: options.env ?? process.env,
  });
  const tail: string[] = [];
  let stopping = false;
  const lineFrom = (stream: 'stdout' | 'stderr') => (line: string) => {
    tail.push(line);
    if (tail.length > (options.tailLines ?? 30)) tail.shift();
    options.onLine(line, stream, stopping);
  };
  forEachLine(child.stdout, lineFrom('stdout'));
  forEachLine(child.stderr, lineFrom('stderr'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    stopping = true;
    process.removeListener('exit', killOnExit);
    // No pid: spawn itself failed and there will be no 'exit' event to wait for.
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.stopGraceMs);
    await exited;
    clearTimeout(timer);
  };

  return {
    pid: child.pid,
    stop,
    async whenReady(ready) {
      const earlyExit = exited.then(({ code, signal }) => {
        throw new Error(`${what} exited before it was ready (code ${code}, signal ${signal}). Last output:\n${tail.join('\n')}`);
      });
      try {
        await Promise.race([ready, earlyExit, spawnFailed]);
      } catch (err) {
        await stop();
        throw err;
      }
      void exited.then(({ code, signal }) => {
        if (!stopping) logger.warn({ code, signal }, `${what} exited`);
      });
    },
  };
}
