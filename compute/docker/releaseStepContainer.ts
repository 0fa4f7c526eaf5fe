import type Docker from 'dockerode';
import type { ContainerInspectInfo } from 'dockerode';
import type { Logger } from '../../ports/logger';
import type { OneShotOptions, OneShotResult, RevisionSpec } from '../../ports/compute';
import { createNamed, inspectContainer, removeContainer, startOrRefuse } from './containerCalls';
import { LABELS, releaseStepCreateOptions } from './containerSpec';
import { quietly } from './engineClient';
import { requirePinnedImage } from './imageRef';
import { readLogs } from './logFrames';
import { ensureImage, type RegistryCredentials } from './pullImage';

export interface ReleaseStepRunnerDeps {
  docker: Docker;
  logger: Logger;
  registryCredentials?: RegistryCredentials;
  withKeyLock: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
}

/** States in which the program has not yet run: start it. */
const NOT_STARTED = new Set(['created', 'configured']);

/**
 * A release step as a one-off container of the service's image. Its name comes from the
 * spec's key, which holds the operation id, so the engine holds at most one per operation:
 * an attempt after a worker crash finds the one its predecessor started and waits for it (or
 * reads how it ended) instead of running the command a second time. Removed once read.
 */
export function createReleaseStepRunner(deps: ReleaseStepRunnerDeps) {
  const { docker, logger: log } = deps;

  async function existing(key: string): Promise<ContainerInspectInfo | null> {
    const found = await docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.managed}=true`, `${LABELS.releaseStep}=${key}`] },
    });
    for (const c of found) {
      const info = await inspectContainer(docker, c.Id);
      if (info) return info;
    }
    return null;
  }

  /** The step's container, created (and its image pulled) when no earlier attempt made one. */
  async function findOrCreate(spec: RevisionSpec): Promise<ContainerInspectInfo> {
    const before = await existing(spec.key);
    if (before) return before;
    const image = requirePinnedImage(spec);
    await ensureImage(docker, image, deps.registryCredentials, log);
    const id = await createNamed(docker, releaseStepCreateOptions(spec, image.ref), `release step ${spec.key}`);
    const info = id ? await inspectContainer(docker, id) : await existing(spec.key);
    if (!info) throw new Error(`release step ${spec.key}: the engine reported its container as existing but lists none`);
    return info;
  }

  /** Waits for the container's end; at the deadline or on abort it is killed. Answers whether the deadline did it. */
  async function waitForEnd(id: string, deadline: number, abort?: AbortSignal): Promise<boolean> {
    const container = docker.getContainer(id);
    let timedOut = false;
    const kill = () => quietly([304, 404, 409], () => container.kill({ signal: 'SIGKILL' })).catch(() => undefined);
    const timer = setTimeout(
      () => {
        timedOut = true;
        void kill();
      },
      Math.max(0, deadline - Date.now()),
    );
    const onAbort = () => void kill();
    abort?.addEventListener('abort', onAbort, { once: true });
    try {
      await quietly([404], () => container.wait({ condition: 'not-running' }));
    } finally {
      clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
    }
    return timedOut;
  }

  return async function runOnce(spec: RevisionSpec, o: OneShotOptions): Promise<OneShotResult> {
    requirePinnedImage(spec);
    return deps.withKeyLock(spec.key, async () => {
      const info = await findOrCreate(spec);
      const short = info.Id.slice(0, 12);
      let timedOut = false;
      if (NOT_STARTED.has(info.State.Status)) {
        await startOrRefuse(docker, info.Id, `release step ${spec.key}`);
        log.info({ key: spec.key, container: short }, 'release step container started');
        timedOut = await waitForEnd(info.Id, Date.now() + o.timeoutMs, o.abort);
      } else if (info.State.Running) {
        // Started by an attempt that died: its deadline runs from its own start, not ours.
        log.info({ key: spec.key, container: short }, 'release step container already running; waiting for it');
        timedOut = await waitForEnd(info.Id, Date.parse(info.State.StartedAt) + o.timeoutMs, o.abort);
      } else {
        log.info({ key: spec.key, container: short, exitCode: info.State.ExitCode }, 'release step container already finished; reading it');
      }
      const ended = await inspectContainer(docker, info.Id);
      if (!ended) throw new Error(`release step ${spec.key}: its container ${short} vanished before its exit code was read`);
      const output = await readLogs(docker, info.Id, o.maxLines);
      await removeContainer(docker, info.Id);
      log.info({ key: spec.key, container: short, exitCode: ended.State.ExitCode, timedOut }, 'release step container removed');
      return { exitCode: ended.State.ExitCode, signal: null, timedOut, output };
    });
  };
}
