import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * One real Slipway process (worker, API) run by a test: `node --import tsx <entry>` with
 * its stdout and stderr in a file, so a failing test can show what the process said.
 */
export interface TestChild {
  name: string;
  pid: number;
  logFile: string;
  proc: ChildProcess;
  /** Settles once, when the process has exited (by itself, by a fault point, or killed). */
  exited: Promise<ChildExit>;
  exit: ChildExit | null;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

const REPO_ROOT = path.resolve(__dirname, '../..');

export function spawnTsProcess(name: string, entry: string, env: Record<string, string>, logFile: string): Promise<TestChild> {
  const out = openSync(logFile, 'a');
  let proc: ChildProcess;
  try {
    // cwd = repository root: tsx resolves from there and the API resolves release artifact paths from there.
    proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, entry)], { cwd: REPO_ROOT, env, stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('spawn', () => {
      const child: TestChild = {
        name,
        pid: proc.pid!,
        logFile,
        proc,
        exit: null,
        exited: new Promise((done) =>
          proc.once('exit', (code, signal) => {
            child.exit = { code, signal, at: Date.now() };
            done(child.exit);
          }),
        ),
      };
      resolve(child);
    });
  });
}

export function isRunning(child: TestChild): boolean {
  return child.exit === null;
}

/** Resolves with how the process ended; rejects when it still runs after `timeoutMs`. */
export async function waitForExit(child: TestChild, timeoutMs = 30_000): Promise<ChildExit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${child.name} (pid ${child.pid}) still runs after ${timeoutMs} ms\n${tailText(child)}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([child.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function kill(child: TestChild, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (isRunning(child)) child.proc.kill(signal);
}

/** SIGTERM (a clean shutdown), then SIGKILL after `graceMs`. */
export async function stopChild(child: TestChild, graceMs = 15_000): Promise<void> {
  if (!isRunning(child)) return;
  kill(child, 'SIGTERM');
  try {
    await waitForExit(child, graceMs);
  } catch {
    kill(child, 'SIGKILL');
    await waitForExit(child, 5_000);
  }
}

/** Waits until the process has written a line containing `text` to its log. */
export async function waitForLogLine(child: TestChild, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await fs.readFile(child.logFile, 'utf8').catch(() => '');
    if (log.includes(text)) return;
    if (!isRunning(child))
      throw new Error(`${child.name} exited (${describeExit(child.exit!)}) before logging "${text}"\n${tailText(child)}`);
    if (Date.now() > deadline) throw new Error(`${child.name} did not log "${text}" within ${timeoutMs} ms\n${tailText(child)}`);
    await sleep(100);
  }
}

/** Waits until `url` answers at all (any HTTP status), failing early if `child` dies. */
export async function waitForHttp(url: string, timeoutMs = 60_000, child?: TestChild): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      /* not listening yet */
    }
    if (child && !isRunning(child))
      throw new Error(`${child.name} exited (${describeExit(child.exit!)}) before ${url} answered\n${tailText(child)}`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms${child ? `\n${tailText(child)}` : ''}`);
    await sleep(100);
  }
}

export function describeExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** The last lines a process wrote, for failure messages. */
export function tailText(child: TestChild, lines = 40): string {
  let text = '';
  try {
    text = readFileSync(child.logFile, 'utf8');
  } catch {
    /* no output yet */
  }
  const tail = text
    .split('\n')
    .slice(-lines - 1)
    .join('\n');
  return `--- last output of ${child.name} (pid ${child.pid}, ${child.logFile}) ---\n${tail}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
