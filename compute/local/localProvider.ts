import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../ports/logger';
import { RevisionStartError, type ComputeProvider, type RevisionSpec, type RunningRevision, type StopOptions } from '../../ports/compute';
import { AppUserError, createAppUsers, type AppIdentity } from './appUsers';
import { getFreePort } from './freePort';
import { tailFile } from './logTail';
import { isOurProcessAlive, processStartTime, signalGroup } from './processInfo';
import { createRevisionStateFiles, type RevisionState } from './revisionStateFiles';
import { firstClosedFolder, modeOf } from './traversable';
import { findOrphanRevision } from './orphanRevision';
import { createKeyLocks } from '../keyLock';

export interface LocalComputeProviderOptions {
  /** Where state files (`<key>.json`) and captured output (`<key>.log`) live. */
  stateDir: string;
  logger: Logger;
  /** Interface apps bind to and the router reaches them on. */
  host?: string;
  /**
   * `user-per-deployment`: each deployment's processes run as their own unprivileged system
   * user (the default when Slipway runs as root, which must never run tenant code itself).
   * `none`: as Slipway's own user; the only choice for a non-root Slipway, which cannot
   * switch users.
   */
  isolation?: 'user-per-deployment' | 'none';
  /** Where each app user's own writable folder (HOME) lives; default `<stateDir>/../apps`. */
  homesDir?: string;
  /** The artifact store, whose folders are handed to each artifact's group; default `<stateDir>/../artifacts`. */
  artifactsDir?: string;
}

/** How often stop() looks whether the process has gone. */
export const STOP_POLL_MS = 50;
/** How long a SIGKILLed process may take to vanish before stop() fails (and is retried). */
export const KILL_WAIT_MS = 5_000;

/** Variables of Slipway's own environment an app may see; everything else stays behind. */
const INHERITED_ENV = ['PATH', 'HOME'] as const;

export { RevisionStartError };

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Runs each revision as a detached child process group on a free loopback port. Processes
 * outlive the worker that started them (a worker crash must not take apps down); state
 * files let the next worker find them again.
 */
export function createLocalComputeProvider(opts: LocalComputeProviderOptions): ComputeProvider {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.logger;
  const files = createRevisionStateFiles(opts.stateDir);
  const isolation = opts.isolation ?? (isRoot() ? 'user-per-deployment' : 'none');
  const beside = (name: string) => path.join(path.dirname(path.resolve(opts.stateDir)), name);
  const users = createAppUsers(opts.homesDir ?? beside('apps'), opts.artifactsDir ?? beside('artifacts'));
  /** Children this very process spawned: held so their exit is observed and they are reaped. */
  const children = new Map<number, ChildProcess>();
  /** Serialises start/stop per key inside this process so a double call cannot spawn twice. */
  const withKeyLock = createKeyLocks();

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

  /** The app's user, or null without isolation; refuses folders the user could never reach. */
  async function identityOf(spec: RevisionSpec): Promise<AppIdentity | null> {
    if (isolation === 'none') return null;
    const { artifactDir } = artifactProgram(spec);
    let identity: AppIdentity;
    try {
      identity = await users.identityFor(spec.deploymentId, artifactDir);
    } catch (err) {
      if (err instanceof AppUserError) throw new RevisionStartError(`cannot create the user for ${spec.key}: ${err.message}`);
      throw err;
    }
    for (const dir of [artifactDir, identity.home]) {
      const closed = await firstClosedFolder(dir);
      if (closed) {
        throw new RevisionStartError(
          `app user ${identity.user} cannot enter ${closed} (mode ${await modeOf(closed)}) on the way to ${dir}: ` +
            `put SLIPWAY_DATA_DIR where other users may pass through, or run: chmod o+x ${closed}`,
        );
      }
    }
    return identity;
  }

  async function spawnRevision(spec: RevisionSpec): Promise<RevisionState> {
    const { artifactDir, command } = artifactProgram(spec);
    const [first, ...args] = command;
    if (!first) throw new RevisionStartError(`revision ${spec.key} has an empty command`);
    // Run apps on the same Node as Slipway rather than whatever `node` PATH finds first.
    const executable = first === 'node' ? process.execPath : first;
    const identity = await identityOf(spec);

    const port = await getFreePort(host);
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name]!;
    if (identity) env.HOME = identity.home;
    Object.assign(env, spec.env, { [spec.portEnv]: String(port) });

    // State files and logs are Slipway's: no app user may list or read them.
    await fs.mkdir(opts.stateDir, { recursive: true, mode: 0o700 });
    await fs.chmod(opts.stateDir, 0o700);
    const logFile = files.logPath(spec.key);
    // The child gets its own descriptor on the log: output keeps flowing after we die.
    const out = openSync(logFile, 'a', 0o600);
    let child: ChildProcess;
    try {
      await fs.chmod(logFile, 0o600); // a log made before logs were 0600
      child = spawn(executable, args, {
        cwd: artifactDir,
        env,
        detached: true,
        stdio: ['ignore', out, out],
        ...(identity ? { uid: identity.uid, gid: identity.gid } : {}),
      });
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
    log.info({ key: spec.key, deploymentId: spec.deploymentId, pid, port, user: identity?.user ?? null }, 'revision process started');
    return state;
  }

  /** A process of this revision that a killed worker spawned but never recorded: record it now. */
  async function adoptOrphan(spec: RevisionSpec): Promise<RevisionState | null> {
    const identity = await identityOf(spec);
    const found = await findOrphanRevision({
      logFile: await fs.realpath(files.logPath(spec.key)).catch(() => path.resolve(files.logPath(spec.key))),
      portEnv: spec.portEnv,
      uid: identity?.uid ?? process.getuid?.() ?? -1,
    });
    if (!found) return null;
    const state: RevisionState = {
      key: spec.key,
      deploymentId: spec.deploymentId,
      pid: found.pid,
      pgid: found.pgid,
      port: found.port,
      host,
      startTime: found.startTime,
      startedAt: new Date().toISOString(),
    };
    await files.write(state);
    log.warn({ key: spec.key, pid: found.pid, port: found.port }, 'adopted a revision process that had no state file (its starter died)');
    return state;
  }

  async function start(spec: RevisionSpec): Promise<RunningRevision> {
    return withKeyLock(spec.key, async () => {
      const running = await liveState(spec.key);
      if (running) {
        log.info({ key: spec.key, pid: running.pid, port: running.port }, 'revision already running; adopted');
        return toRunning(running);
      }
      const orphan = await adoptOrphan(spec);
      if (orphan) return toRunning(orphan);
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
    const onError = (err: Error) => reject(new RevisionStartError(`cannot start revision ${key}: ${describeSpawnError(err)}`));
    child.once('error', onError);
    child.once('spawn', () => {
      child.off('error', onError);
      // Later errors (e.g. a failed kill) must not crash the worker as unhandled 'error' events.
      child.on('error', () => undefined);
      resolve(child.pid!);
    });
  });
}

/** ENOENT/EACCES from spawn name the program but not what to do about it. */
function describeSpawnError(err: Error): string {
  const e = err as NodeJS.ErrnoException & { path?: string };
  if (e.code === 'ENOENT') return `${e.path ?? 'the program'} was not found (checked relative to the artifact and on PATH) [ENOENT]`;
  if (e.code === 'EACCES')
    return `${e.path ?? 'the program'} is not executable by the app's user, or its folder cannot be entered [EACCES]`;
  return err.message;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** This provider runs programs from artifact directories; an image needs a container provider. */
function artifactProgram(spec: RevisionSpec): { artifactDir: string; command: string[] } {
  if (spec.program.kind !== 'artifact') {
    throw new RevisionStartError(
      `revision ${spec.key} runs image ${spec.program.image}: the local provider runs artifacts only; set SLIPWAY_COMPUTE=docker`,
    );
  }
  return spec.program;
}
