import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../logger';

/**
 * Keeps one child process (worker, API, router) running for the `npm start` supervisor.
 * stdout/stderr are inherited so the child's pino lines reach the terminal unchanged.
 * A crash is restarted with capped exponential backoff; a run that stayed up for a while
 * counts as healthy and resets the backoff, so a one-off crash restarts quickly.
 */
export interface SuperviseChildOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logger: Logger;
  /** Restart after an unexpected exit. */
  restart: boolean;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called after every unexpected exit (before any restart), e.g. to give up on `restart: false`. */
  onExit?: (exit: ChildExit) => void;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SupervisedChild {
  readonly name: string;
  /** Pid of the current incarnation, if one is running. */
  pid(): number | undefined;
  restarts(): number;
  /** Disables restarts, sends `signal`, and SIGKILLs after `timeoutMs`. Resolves once the child is gone. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

export const SUPERVISOR_DEFAULTS = {
  initialBackoffMs: 500,
  maxBackoffMs: 30_000,
  /** A run at least this long resets the backoff. */
  healthyRunMs: 60_000,
  stopTimeoutMs: 15_000,
} as const;

export function superviseChild(options: SuperviseChildOptions): SupervisedChild {
  const { name, command, args, logger } = options;
  const initialBackoffMs = options.initialBackoffMs ?? SUPERVISOR_DEFAULTS.initialBackoffMs;
  const maxBackoffMs = options.maxBackoffMs ?? SUPERVISOR_DEFAULTS.maxBackoffMs;

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopping = false;
  let failures = 0;
  let restartCount = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  // If the supervisor itself exits without stop() (e.g. an uncaught error), take the child along.
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);

  const launch = () => {
    const startedAt = Date.now();
    const current = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'inherit', 'inherit'],
      // Own process group: a terminal's Ctrl-C reaches only the supervisor, which then
      // stops children in order (API and worker before the router and the databases).
      detached: true,
    });
    child = current;
    logger.debug({ child: name, pid: current.pid }, 'child started');
    exited = new Promise<void>((resolve) => {
      let settled = false;
      const onGone = (exit: ChildExit, spawnError?: Error) => {
        if (settled) return;
        settled = true;
        if (child === current) child = undefined;
        resolve();
        if (stopping) return;
        const ranMs = Date.now() - startedAt;
        failures = ranMs >= SUPERVISOR_DEFAULTS.healthyRunMs ? 1 : failures + 1;
        const delayMs = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (failures - 1));
        logger.warn(
          { child: name, code: exit.code, signal: exit.signal, err: spawnError, ranMs, restartInMs: options.restart ? delayMs : undefined },
          options.restart ? `${name} exited unexpectedly; restarting` : `${name} exited unexpectedly`,
        );
        options.onExit?.(exit);
        if (options.restart && !stopping) {
          restartTimer = setTimeout(() => {
            restartTimer = undefined;
            if (stopping) return;
            restartCount += 1;
            launch();
          }, delayMs);
        }
      };
      current.once('exit', (code, signal) => onGone({ code, signal }));
      // A spawn failure (e.g. ENOENT) emits 'error' and never 'exit'.
      current.once('error', (err) => {
        if (current.pid === undefined) onGone({ code: null, signal: null }, err);
        else logger.warn({ child: name, err }, 'child process error');
      });
    });
  };

  launch();

  return {
    name,
    pid: () => child?.pid,
    restarts: () => restartCount,
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs: number = SUPERVISOR_DEFAULTS.stopTimeoutMs) {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = undefined;
      const running = child;
      if (running && running.exitCode === null && running.signalCode === null) {
        running.kill(signal);
        const killTimer = setTimeout(() => {
          logger.warn({ child: name, timeoutMs }, `${name} did not stop in time; sending SIGKILL`);
          running.kill('SIGKILL');
        }, timeoutMs);
        await exited;
        clearTimeout(killTimer);
      }
      process.removeListener('exit', killOnExit);
    },
  };
}
