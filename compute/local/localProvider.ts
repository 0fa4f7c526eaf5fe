import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, promises as fs } from 'node:fs';
import type { Logger } from '../../ports/logger';
import type { ComputeProvider, RevisionSpec, RunningRevision, StopOptions } from '../../ports/compute';
import { getFreePort } from './freePort';
import { tailFile } from './logTail';
import { isOurProcessAlive, processStartTime, signalGroup } from './processInfo';
import { createRevisionStateFiles, type RevisionState } from './revisionStateFiles';

export interface LocalComputeProviderOptions {
  /** Where state files (`<key>.json`) and captured output (`<key>.log`) live. */
  stateDir: string;
  logger: Logger;
  /** Interface apps bind to and the router reaches them on. */
  host?: string;
}

/** How often stop() looks whether the process has gone. */
export const STOP_POLL_MS = 50;
/** How long a SIGKILLed process may take to vanish before stop() fails (and is retried). */
export const KILL_WAIT_MS = 5_000;

/** Variables of Slipway's own environment an app may see; everything else stays behind. */
const INHERITED_ENV = ['PATH', 'HOME'] as const;

/** The command could not be spawned at all (missing executable, bad cwd). */
export class RevisionStartError extends Error {
  override readonly name = 'RevisionStartError';
}

/**
 * Runs each revision as a detached child process group on a free loopback port. Processes
 * outlive the worker that started them (a worker crash must not take apps down); state
 * files let the next worker find them again.
 */
export function createLocalComputeProvider(opts: LocalComputeProviderOptions): ComputeProvider {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.logger;
  const files = createRevisionStateFiles(opts.stateDir);
  /** Children this very process spawned: held so their exit is observed and they are reaped. */
  const children = new Map<number, ChildProcess>();
  /** Serialises start/stop per key inside this process so a double call cannot spawn twice. */
  const locks = new Map<string, Promise<unknown>>();

  function withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = locks.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    locks.set(key, settled);
    void settled.then(() => locks.get(key) === settled && locks.delete(key));
    return next;
  }

  const isAlive = (state: RevisionState) => isOurProcessAlive(state.pid, state.startTime);

  function toRunning(state: RevisionState): RunningRevision {
    return { key: state.key, endpoint: { host: state.host, port: state.port }, pid: state.pid, startedAt: state.startedAt };
  }

  /** The recorded state when its process is still ours and alive; stale files are removed. */
  async function liveState(key: string): Promise<RevisionState | null> {
    const state = await files.read(key);
    if (!state) return null;
    if (await isAlive(state)) return state;
    await files.remove(key);
    log.info({ key, pid: state.pid }, 'revision process is gone; removed its stale state');
    return null;
  }

  async function spawnRevision(spec: RevisionSpec): Promise<RevisionState> {
    const port = await getFreePort(host);
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name]!;
    Object.assign(env, spec.env, { [spec.portEnv]: String(port) });

    const [first, ...args] = spec.command;
    if (!first) throw new RevisionStartError(`revision ${spec.key} has an empty command`);
    // Run apps on the same Node as Slipway rather than whatever `node` PATH finds first.
    const executable = first === 'node' ? process.execPath : first;

    await fs.mkdir(opts.stateDir, { recursive: true });
    const logFile = files.logPath(spec.key);
    // The child gets its own descriptor on the log: output keeps flowing after we die.
    const out = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(executable, args, { cwd: spec.artifactDir, env, detached: true, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    const pid = await spawned(child, spec.key);
    child.unref();
    children.set(pid, child);
    child.once('exit', (code, signal) => {
      children.delete(pid);
      log.info({ key: spec.key, pid, code, signal }, 'revision process exited');
    });

    const state: RevisionState = {
      key: spec.key,
      deploymentId: spec.deploymentId,
      pid,
      pgid: pid, // detached: the child leads its own process group
      port,
      host,
      startTime: await processStartTime(pid),
      startedAt: new Date().toISOString(),
    };
    await files.write(state);
    log.info({ key: spec.key, deploymentId: spec.deploymentId, pid, port }, 'revision process started');
    return state;
  }

  async function start(spec: RevisionSpec): Promise<RunningRevision> {
    return withKeyLock(spec.key, async () => {
      const running = await liveState(spec.key);
      if (running) {
        log.info({ key: spec.key, pid: running.pid, port: running.port }, 'revision already running; adopted');
        return toRunning(running);
      }
      return toRunning(await spawnRevision(spec));
    });
  }

  async function status(key: string): Promise<RunningRevision | null> {
    const state = await liveState(key);
    return state ? toRunning(state) : null;
  }

  async function stop(key: string, { graceMs }: StopOptions): Promise<void> {
    await withKeyLock(key, async () => {
      const state = await liveState(key);
      if (!state) return;
      log.info({ key, pid: state.pid, port: state.port, graceMs }, 'stopping revision process');
      signalGroup(state.pgid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while ((await isAlive(state)) && Date.now() < deadline) await sleep(STOP_POLL_MS);
      const forced = await isAlive(state);
      // SIGKILL the group even when the leader went quietly: it sweeps up any children the
      // app left behind. The group id cannot be recycled while a member still lives.
      signalGroup(state.pgid, 'SIGKILL');
      const killDeadline = Date.now() + KILL_WAIT_MS;
      while (await isAlive(state)) {
        if (Date.now() > killDeadline) throw new Error(`revision ${key} (pid ${state.pid}) survived SIGKILL`);
        await sleep(STOP_POLL_MS);
      }
      await files.remove(key);
      log.info({ key, pid: state.pid, port: state.port, forced }, 'revision process stopped');
    });
  }

  async function tailLogs(key: string, maxLines: number): Promise<string[]> {
    return tailFile(files.logPath(key), maxLines);
  }

  async function list(deploymentId: string): Promise<string[]> {
    const states = (await files.readAll()).filter((s) => s.deploymentId === deploymentId);
    const alive = await Promise.all(states.map((s) => liveState(s.key)));
    return alive
      .filter((s): s is RevisionState => s !== null)
      .map((s) => s.key)
      .sort();
  }

  return { name: 'local', start, status, stop, tailLogs, list };
}

/** Resolves with the pid once the child exists, or rejects when spawning failed (e.g. ENOENT). */
function spawned(child: ChildProcess, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new RevisionStartError(`cannot start revision ${key}: ${err.message}`));
    child.once('error', onError);
    child.once('spawn', () => {
      child.off('error', onError);
      // Later errors (e.g. a failed kill) must not crash the worker as unhandled 'error' events.
      child.on('error', () => undefined);
      resolve(child.pid!);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
