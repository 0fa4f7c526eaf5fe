import type { RevisionSpec } from '../../ports/compute';
import type { V1Deployment, V1Secret, V1Service } from './client';
import {
  ANNOTATIONS,
  APP_CONTAINER,
  LABELS,
  MANAGED_BY,
  labelValue,
  revisionLabel,
  revisionObjectName,
  revisionSecretName,
  slotOf,
} from './names';

/**
 * The three objects of one revision: a Secret with its env, a Deployment of one replica and
 * a ClusterIP Service in front of it. Pure, so what goes where (and what must never go into
 * the pod spec) is checked without a cluster.
 */
export const DEFAULT_CONTAINER_PORT = 8080;

export interface RevisionObjectOptions {
  progressDeadlineSeconds: number;
  imagePullPolicy: 'IfNotPresent' | 'Always' | 'Never';
  startedAt: string;
}

export function revisionLabels(spec: RevisionSpec): Record<string, string> {
  const slot = slotOf(spec.key, spec.deploymentId);
  return {
    [MANAGED_BY.key]: MANAGED_BY.value,
    [LABELS.revision]: revisionLabel(spec.key),
    [LABELS.deployment]: labelValue(spec.deploymentId),
    [LABELS.service]: labelValue(spec.service),
    [LABELS.tenant]: labelValue(spec.tenantId),
    ...(slot ? { [LABELS.slot]: slot } : {}),
  };
}

function revisionAnnotations(spec: RevisionSpec, startedAt: string): Record<string, string> {
  return {
    [ANNOTATIONS.revisionKey]: spec.key,
    [ANNOTATIONS.deploymentId]: spec.deploymentId,
    [ANNOTATIONS.tenantId]: spec.tenantId,
    [ANNOTATIONS.startedAt]: startedAt,
  };
}

export function containerPortOf(spec: RevisionSpec): number {
  return spec.containerPort ?? DEFAULT_CONTAINER_PORT;
}

/** Every env value, secret or not, travels in here; the pod spec only names the Secret. */
export function revisionSecret(spec: RevisionSpec, namespace: string, startedAt: string): V1Secret {
  return {
    metadata: {
      name: revisionSecretName(spec.key),
      namespace,
      labels: revisionLabels(spec),
      annotations: revisionAnnotations(spec, startedAt),
    },
    type: 'Opaque',
    stringData: { ...spec.env, [spec.portEnv]: String(containerPortOf(spec)) },
  };
}

export function revisionDeployment(spec: RevisionSpec, namespace: string, image: string, options: RevisionObjectOptions): V1Deployment {
  const labels = revisionLabels(spec);
  const port = containerPortOf(spec);
  const resources = spec.resources
    ? {
        requests: quantities(spec.resources),
        limits: quantities(spec.resources),
      }
    : undefined;
  const program = spec.program.kind === 'image' ? spec.program : undefined;
  return {
    metadata: { name: revisionObjectName(spec.key), namespace, labels, annotations: revisionAnnotations(spec, options.startedAt) },
    spec: {
      replicas: 1,
      selector: { matchLabels: { [LABELS.revision]: labels[LABELS.revision] } },
      progressDeadlineSeconds: options.progressDeadlineSeconds,
      // A revision is replaced by a new Deployment, never rolled in place; keep no history.
      revisionHistoryLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          containers: [
            {
              name: APP_CONTAINER,
              image,
              imagePullPolicy: options.imagePullPolicy,
              ...(program?.command ? { command: program.command } : {}),
              ...(program?.args ? { args: program.args } : {}),
              ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
              envFrom: [{ secretRef: { name: revisionSecretName(spec.key) } }],
              // The manifest's HTTP readiness path is probed by Slipway itself (activities/awaitReady.ts);
              // this keeps the pod out of the Service until it accepts connections.
              readinessProbe: { tcpSocket: { port }, periodSeconds: 1, failureThreshold: 3 },
              ...(resources ? { resources } : {}),
            },
          ],
        },
      },
    },
  };
}

export function revisionService(spec: RevisionSpec, namespace: string, startedAt: string): V1Service {
  const labels = revisionLabels(spec);
  return {
    metadata: { name: revisionObjectName(spec.key), namespace, labels, annotations: revisionAnnotations(spec, startedAt) },
    spec: {
      type: 'ClusterIP',
      selector: { [LABELS.revision]: labels[LABELS.revision] },
      ports: [{ name: 'http', port: containerPortOf(spec), targetPort: containerPortOf(spec), protocol: 'TCP' }],
    },
  };
}

function quantities(r: NonNullable<RevisionSpec['resources']>): Record<string, string> {
  return {
    ...(r.cpus !== undefined ? { cpu: `${Math.round(r.cpus * 1000)}m` } : {}),
    ...(r.memoryMb !== undefined ? { memory: `${r.memoryMb}Mi` } : {}),
  };
}
