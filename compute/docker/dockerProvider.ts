import type Docker from 'dockerode';
import type { ContainerInfo, ContainerInspectInfo } from 'dockerode';
import type { Logger } from '../../ports/logger';
import type { ComputeProvider, RevisionSpec, RunningRevision, StopOptions } from '../../ports/compute';
import { createKeyLocks } from '../keyLock';
import { createNamed, inspectContainer, removeContainer, startOrRefuse } from './containerCalls';
import { containerCreateOptions, containerPortOf, LABELS } from './containerSpec';
import { quietly } from './engineClient';
import { requirePinnedImage } from './imageRef';
import { readLogs } from './logFrames';
import { ensureImage, type RegistryCredentials } from './pullImage';
import { createReleaseStepRunner } from './releaseStepContainer';

export interface DockerComputeProviderOptions {
  docker: Docker;
  logger: Logger;
  /** Where published ports bind and the router dials; loopback keeps them off the network. */
  publishHost?: string;
  registryCredentials?: RegistryCredentials;
}

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

  const inspect = (id: string) => inspectContainer(docker, id);

  function toRunning(key: string, info: ContainerInspectInfo): RunningRevision {
    const port = info.Config.Labels?.[LABELS.containerPort];
    const binding = info.NetworkSettings.Ports?.[`${port}/tcp`]?.[0];
    if (!binding?.HostPort) throw new Error(`container ${info.Name} of ${key} publishes no host port for ${port}/tcp`);
    return { key, endpoint: { host: publishHost, port: Number(binding.HostPort) }, pid: info.State.Pid, startedAt: info.State.StartedAt };
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
      await removeContainer(docker, found.Id);
    }
    return null;
  }

  async function startCreated(key: string, id: string): Promise<RunningRevision> {
    await startOrRefuse(docker, id, `revision ${key}`);
    const info = await inspect(id);
    if (!info?.State.Running) {
      throw new Error(`revision ${key} exited right after its start (exit code ${info?.State.ExitCode ?? 'unknown'}); see its logs`);
    }
    return toRunning(key, info);
  }

  async function start(spec: RevisionSpec): Promise<RunningRevision> {
    const image = requirePinnedImage(spec);
    return withKeyLock(spec.key, async () => {
      const adopted = await adoptExisting(spec.key);
      if (adopted) return adopted;
      await ensureImage(docker, image, opts.registryCredentials, log);
      const id = await createNamed(docker, containerCreateOptions(spec, image.ref, { publishHost }), `revision ${spec.key}`);
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
        await removeContainer(docker, found.Id);
        log.info({ key, container: found.Id.slice(0, 12) }, 'revision container removed');
      }
    });
  }

  async function tailLogs(key: string, maxLines: number): Promise<string[]> {
    const [found] = await containersOf(key, true);
    return found ? readLogs(docker, found.Id, maxLines) : [];
  }

  async function list(deploymentId: string): Promise<string[]> {
    const running = await docker.listContainers({
      filters: { label: [`${LABELS.managed}=true`, `${LABELS.deployment}=${deploymentId}`], status: ['running'] },
    });
    return [...new Set(running.map((c) => c.Labels[LABELS.revision]).filter(Boolean))].sort();
  }

  const runOnce = createReleaseStepRunner({ docker, logger: log, registryCredentials: opts.registryCredentials, withKeyLock });

  return { name: 'docker', start, runOnce, status, stop, tailLogs, list };
}

/** Every revision container this engine holds for Slipway, running or not (Ctrl-C of `npm start`). */
export async function managedRevisionKeys(docker: Docker): Promise<string[]> {
  const all = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=true`] } });
  return [...new Set(all.map((c) => c.Labels[LABELS.revision]).filter(Boolean))].sort();
}
