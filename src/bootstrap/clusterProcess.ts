import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * One component of a throw-away cluster (etcd, the apiserver, kwok…): its output goes to
 * `<dir>/<name>.log` (the place to look when a start fails), and it is stopped by pid with
 * SIGTERM, then SIGKILL. Not supervised: a component that dies fails the test that needs it.
 */
export interface ClusterProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  exited(): boolean;
  /** Rejects once the process exits (for racing against a readiness wait). */
  readonly died: Promise<never>;
  stop(graceMs?: number): Promise<void>;
  /** Last lines of its log, for error messages. */
  tail(lines?: number): Promise<string>;
}

const DEFAULT_GRACE_MS = 5_000;
/** One `exit` listener for all components: a cluster has eight, more than Node's listener warning allows. */
const atExit = new Set<() => void>();
let exitHookInstalled = false;
function killAtExit(kill: () => void): void {
  if (!exitHookInstalled) process.once('exit', () => atExit.forEach((k) => k()));
  exitHookInstalled = true;
  atExit.add(kill);
}
const WAIT_POLL_MS = 200;

export function startClusterProcess(name: string, command: string, args: string[], dir: string, env?: NodeJS.ProcessEnv): ClusterProcess {
  const logFile = path.join(dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio: ['ignore', fd, fd], env: env ?? process.env });
  } finally {
    closeSync(fd);
  }
  let done = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((done = true), resolve())));
  const killOnExit = () => child.kill('SIGKILL');
  killAtExit(killOnExit);
  const tail = async (lines = 25) => {
    const text = await fs.readFile(logFile, 'utf8').catch(() => '');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  };
  const died = exit.then(async () => {
    throw new Error(`${name} exited (code ${child.exitCode}, signal ${child.signalCode}). Last lines of ${logFile}:\n${await tail()}`);
  });
  died.catch(() => undefined);
  child.once('error', () => undefined);
  return {
    name,
    pid: child.pid ?? -1,
    logFile,
    exited: () => done,
    died,
    tail,
    async stop(graceMs = DEFAULT_GRACE_MS) {
      atExit.delete(killOnExit);
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * Polls `check` (errors count as "not yet") until it is true, the deadline passes or `died`
 * rejects; on timeout the error carries the last error and, for one process, its log's tail.
 */
export async function waitUntil(deadline: number, died: ClusterProcess | Promise<never>, check: () => Promise<boolean>): Promise<void> {
  const death = 'died' in died ? died.died : died;
  let last: unknown;
  for (;;) {
    const ok = await Promise.race([check().catch((err: unknown) => ((last = err), false)), death]);
    if (ok) return;
    if (Date.now() > deadline) {
      const detail = 'tail' in died ? `\nLast lines of ${died.logFile}:\n${await died.tail()}` : '';
      throw new Error(`kubernetes cluster not ready in time (last error: ${String(last)})${detail}`);
    }
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
  }
}
