import { createHash } from 'node:crypto';
import type { ContainerCreateOptions } from 'dockerode';
import type { RevisionSpec } from '../../ports/compute';

/** Labels are the engine-side record of what Slipway runs: a new worker adopts containers by them. */
export const LABELS = {
  managed: 'io.slipway.managed',
  deployment: 'io.slipway.deployment',
  revision: 'io.slipway.revision',
  service: 'io.slipway.service',
  tenant: 'io.slipway.tenant',
  containerPort: 'io.slipway.container-port',
  /** On a release step's one-off container instead of `revision`: list() and status() never see it. */
  releaseStep: 'io.slipway.release-step',
} as const;

/** The port an image's program listens on when the manifest names none (the usual HTTP image default). */
export const DEFAULT_CONTAINER_PORT = 8080;
/** Enough for an app server's threads and workers; a fork bomb stops here instead of at the host's limit. */
export const PIDS_LIMIT = 1024;

const SAFE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,200}$/;

/**
 * The container's name: unique per engine, so two workers racing to create one revision get
 * one container and a 409 for the loser, which then adopts it.
 */
export function containerName(key: string): string {
  return SAFE_NAME.test(key) ? `slipway-${key}` : `slipway-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

export function containerPortOf(spec: RevisionSpec): number {
  return spec.containerPort ?? DEFAULT_CONTAINER_PORT;
}

export interface ContainerPlacement {
  /** Host address the container port is published on, where the router dials it. */
  publishHost: string;
}

/**
 * What the engine is asked to create. Env goes in here and nowhere else: labels are listed by
 * anyone with the socket and end up in logs, env is only in the container's own config.
 * No bind mounts or volumes, ever: a tenant's container sees its image and nothing of the host.
 */
export function containerCreateOptions(spec: RevisionSpec, image: string, placement: ContainerPlacement): ContainerCreateOptions {
  const port = containerPortOf(spec);
  const portKey = `${port}/tcp`;
  const base = isolatedContainer(spec, image, port);
  return {
    ...base,
    Labels: { ...base.Labels, [LABELS.revision]: spec.key, [LABELS.containerPort]: String(port) },
    ExposedPorts: { [portKey]: {} },
    HostConfig: {
      ...base.HostConfig,
      // An empty HostPort: the engine picks a free one and holds it (no race with a port we guessed).
      PortBindings: { [portKey]: [{ HostIp: placement.publishHost, HostPort: '' }] },
    },
  };
}

/**
 * A release step's one-off container: the same image, env, limits and isolation as the
 * service's revisions, but nothing published (it serves no one) and labelled as a step, so it
 * never reads as a running revision of the deployment.
 */
export function releaseStepCreateOptions(spec: RevisionSpec, image: string): ContainerCreateOptions {
  const base = isolatedContainer(spec, image, containerPortOf(spec));
  return { ...base, Labels: { ...base.Labels, [LABELS.releaseStep]: spec.key } };
}

function isolatedContainer(spec: RevisionSpec, image: string, port: number): ContainerCreateOptions & { Labels: Record<string, string> } {
  if (spec.program.kind !== 'image') throw new Error(`revision ${spec.key} has no image`);
  // A service run as a release step may expect its port as it does when it serves.
  const env = { ...spec.env, [spec.portEnv]: String(port) };
  return {
    name: containerName(spec.key),
    Image: image,
    ...(spec.program.command ? { Entrypoint: spec.program.command } : {}),
    ...(spec.program.args ? { Cmd: spec.program.args } : {}),
    Env: Object.entries(env).map(([name, value]) => `${name}=${value}`),
    Labels: {
      [LABELS.managed]: 'true',
      [LABELS.deployment]: spec.deploymentId,
      [LABELS.service]: spec.service,
      [LABELS.tenant]: spec.tenantId,
    },
    Tty: false,
    HostConfig: {
      ...(spec.resources?.memoryMb ? { Memory: Math.round(spec.resources.memoryMb * 1024 * 1024) } : {}),
      ...(spec.resources?.cpus ? { NanoCpus: Math.round(spec.resources.cpus * 1e9) } : {}),
      PidsLimit: PIDS_LIMIT,
      // Root in a compat-API container would get NET_RAW and MKNOD (CONTAINERS.md §10).
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      NetworkMode: 'bridge',
      Binds: [],
      RestartPolicy: { Name: 'no' },
    },
  };
}
