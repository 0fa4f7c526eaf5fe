import type Docker from 'dockerode';
import type { ContainerInfo, ContainerInspectInfo } from 'dockerode';
import type { Logger } from '../../ports/logger';
import { RevisionStartError, type ComputeProvider, type RevisionSpec, type RunningRevision, type StopOptions } from '../../ports/compute';
import { createKeyLocks } from '../keyLock';
import { containerCreateOptions, containerPortOf, LABELS } from './containerSpec';
import { engineMessage, engineStatus, quietly } from './engineClient';
import { parsePinnedImage } from './imageRef';
import { demuxLogFrames, lastLines } from './logFrames';
import { ensureImage, type RegistryCredentials } from './pullImage';

export interface DockerComputeProviderOptions {
  docker: Docker;
  logger: Logger;
  /** Where published ports bind and the router dials; loopback keeps them off the network. */
  publishHost?: string;
  registryCredentials?: RegistryCredentials;
}

/** What an engine says when the program in the image cannot run at all: no retry fixes it. */
const NOT_RUNNABLE = /executable file not found|no such file or directory|permission denied|exec format error/i;

/**
 * Runs each revision as one container over the Docker Engine API. The engine is the record:
 * labels name the deployment, revision key, service and tenant, so status() and list() ask
 * it and a worker started after a crash finds the containers its predecessor left running.
 */
export function createDockerComputeProvider(opts: DockerComputeProviderOptions): ComputeProvider {
  const { docker } = opts;
  const log = opts.logger;
  const publishHost = opts.publishHost ?? '127.0.0.1';
  const withKeyLock = createKeyLocks();

  async function containersOf(key: string, all: boolean): Promise<ContainerInfo[]> {
    return docker.listContainers({ all, filters: { label: [`${LABELS.managed}=true`, `${LABELS.revision}=${key}`] } });
  }

  async function inspect(id: string): Promise<ContainerInspectInfo | null> {
    try {
      return await docker.getContainer(id).inspect();
    } catch (err) {
      if (engineStatus(err) === 404) return null;
      throw err;
    }
  }

  function toRunning(key: string, info: ContainerInspectInfo): RunningRevision {
    const port = info.Config.Labels?.[LABELS.containerPort];
    const binding = info.NetworkSettings.Ports?.[`${port}/tcp`]?.[0];
    if (!binding?.HostPort) throw new Error(`container ${info.Name} of ${key} publishes no host port for ${port}/tcp`);
    return { key, endpoint: { host: publishHost, port: Number(binding.HostPort) }, pid: info.State.Pid, startedAt: info.State.StartedAt };
  }

  async function removeContainer(id: string): Promise<void> {
    await quietly([404], () => docker.getContainer(id).remove({ force: true, v: true }));
  }

  /** A container already made for this key: running is adopted, created is started, anything else is replaced. */
  async function adoptExisting(key: string): Promise<RunningRevision | null> {
    for (const found of await containersOf(key, true)) {
      const info = await inspect(found.Id);
      if (!info) continue;
      if (info.State.Running) {
        log.info({ key, container: found.Id.slice(0, 12) }, 'revision container already running; adopted');
        return toRunning(key, info);
      }
      if (info.State.Status === 'created' || info.State.Status === 'configured') {
        log.info({ key, container: found.Id.slice(0, 12) }, 'revision container was created but not started; starting it');
        return startCreated(key, found.Id);
      }
      log.info(
        { key, container: found.Id.slice(0, 12), status: info.State.Status, exitCode: info.State.ExitCode },
        'replacing a dead revision container',
      );
      await removeContainer(found.Id);
    }
    return null;
  }

  async function startCreated(key: string, id: string): Promise<RunningRevision> {
    try {
      await quietly([304], () => docker.getContainer(id).start());
    } catch (err) {
      const message = engineMessage(err);
      if (NOT_RUNNABLE.test(message)) {
        await removeContainer(id);
        throw new RevisionStartError(`cannot start revision ${key}: ${message}`);
      }
      throw err;
    }
    const info = await inspect(id);
    if (!info?.State.Running) {
      throw new Error(`revision ${key} exited right after its start (exit code ${info?.State.ExitCode ?? 'unknown'}); see its logs`);
    }
    return toRunning(key, info);
  }

  async function create(spec: RevisionSpec, image: string): Promise<string | null> {
    try {
      const container = await docker.createContainer(containerCreateOptions(spec, image, { publishHost }));
      return container.id;
    } catch (err) {
      const message = engineMessage(err);
      // Another worker created it between our look and our create: adopt theirs. Podman says so with a 500.
      if (engineStatus(err) === 409 || /name .* is already in use/i.test(message)) return null;
      if (engineStatus(err) === 400 || NOT_RUNNABLE.test(message))
        throw new RevisionStartError(`cannot create revision ${spec.key}: ${message}`);
      throw err;
    }
  }

  async function start(spec: RevisionSpec): Promise<RunningRevision> {
    if (spec.program.kind !== 'image') {
      throw new RevisionStartError(
        `revision ${spec.key} runs an artifact: the docker provider runs images only; set SLIPWAY_COMPUTE=local`,
      );
    }
    const image = parsePinnedImage(spec.program.image);
    if (!image) {
      throw new RevisionStartError(`revision ${spec.key}: image ${spec.program.image} is not pinned as repository@sha256:<64 hex digits>`);
    }
    return withKeyLock(spec.key, async () => {
      const adopted = await adoptExisting(spec.key);
      if (adopted) return adopted;
      await ensureImage(docker, image, opts.registryCredentials, log);
      const id = await create(spec, image.ref);
      if (!id) {
        const raced = await adoptExisting(spec.key);
        if (raced) return raced;
        throw new Error(`revision ${spec.key}: the engine reported its container as existing but lists none`);
      }
      const running = await startCreated(spec.key, id);
      log.info(
        {
          key: spec.key,
          deploymentId: spec.deploymentId,
          service: spec.service,
          container: id.slice(0, 12),
          port: running.endpoint.port,
          containerPort: containerPortOf(spec),
        },
        'revision container started',
      );
      return running;
    });
  }

  async function status(key: string): Promise<RunningRevision | null> {
    for (const found of await containersOf(key, false)) {
      const info = await inspect(found.Id);
      if (info?.State.Running) return toRunning(key, info);
    }
    return null;
  }

  async function stop(key: string, { graceMs }: StopOptions): Promise<void> {
    await withKeyLock(key, async () => {
      for (const found of await containersOf(key, true)) {
        log.info({ key, container: found.Id.slice(0, 12), graceMs }, 'stopping revision container');
        // The engine sends SIGTERM, waits t seconds, then SIGKILLs: the grace period is its job.
        await quietly([304, 404], () => docker.getContainer(found.Id).stop({ t: Math.ceil(graceMs / 1000) }));
        await removeContainer(found.Id);
        log.info({ key, container: found.Id.slice(0, 12) }, 'revision container removed');
      }
    });
  }

  async function tailLogs(key: string, maxLines: number): Promise<string[]> {
    const [found] = await containersOf(key, true);
    if (!found) return [];
    try {
      const raw = await docker.getContainer(found.Id).logs({ stdout: true, stderr: true, tail: maxLines, follow: false });
      return lastLines(demuxLogFrames(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))), maxLines);
    } catch (err) {
      if (engineStatus(err) === 404) return [];
      throw err;
    }
  }

  async function list(deploymentId: string): Promise<string[]> {
    const running = await docker.listContainers({
      filters: { label: [`${LABELS.managed}=true`, `${LABELS.deployment}=${deploymentId}`], status: ['running'] },
    });
    return [...new Set(running.map((c) => c.Labels[LABELS.revision]).filter(Boolean))].sort();
  }

  return { name: 'docker', start, status, stop, tailLogs, list };
}

/** Every revision container this engine holds for Slipway, running or not (Ctrl-C of `npm start`). */
export async function managedRevisionKeys(docker: Docker): Promise<string[]> {
  const all = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=true`] } });
  return [...new Set(all.map((c) => c.Labels[LABELS.revision]).filter(Boolean))].sort();
}
