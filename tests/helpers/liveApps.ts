import type Docker from 'dockerode';
import { LABELS } from '../../compute/docker/containerSpec';
import { CoreV1Api, type KubeConfig } from '../../compute/kubernetes/client';
import { ANNOTATIONS, LABELS as KUBERNETES_LABELS, labelValue } from '../../compute/kubernetes/names';
import { liveAppProcesses } from './appProcesses';

/** One app instance running for a deployment, as the place that runs it reports it. */
export interface LiveApp {
  /**
   * Which instance this is, as the runtime names it: the host pid of a process (a container's init
   * process on docker), a pod's uid on kubernetes (whose API shows no host pid). The same instance
   * before and after a crash means adopted.
   */
  instance: string;
  /** The revision key the runtime's own record ties it to; null for an orphan nobody tracks. */
  key: string | null;
  version: string | null;
}

/**
 * What runs for a deployment, asked of the runtime itself rather than of anything Slipway
 * wrote to its database: crash tests compare the two. Local apps come from the kernel's process
 * table (which also finds orphans no state file names), containers from the engine (whose
 * labels are the only record, so anything running under the deployment's label counts), pods from
 * the cluster's API as its admin.
 */
export type LiveApps = (deploymentId: string) => Promise<LiveApp[]>;

export function kernelLiveApps(computeStateDir: string): LiveApps {
  return async (deploymentId) =>
    (await liveAppProcesses({ deploymentId, computeStateDir })).map((p) => ({ instance: String(p.pid), key: p.key, version: p.version }));
}

export function engineLiveApps(docker: Docker): LiveApps {
  return async (deploymentId) => {
    const running = await docker.listContainers({ filters: { label: [`${LABELS.deployment}=${deploymentId}`], status: ['running'] } });
    const apps: LiveApp[] = [];
    for (const c of running) {
      const info = await docker
        .getContainer(c.Id)
        .inspect()
        .catch(() => null);
      if (!info?.State.Running) continue;
      const version = (info.Config.Env ?? []).find((e) => e.startsWith('SLIPWAY_RELEASE_VERSION='))?.split('=')[1] ?? null;
      apps.push({ instance: String(info.State.Pid), key: c.Labels[LABELS.revision] ?? null, version });
    }
    return apps.sort((a, b) => Number(a.instance) - Number(b.instance));
  };
}

/**
 * Running pods under the deployment's label in any namespace. The pod itself carries only hashed
 * labels; its revision key and release version are in the Secret its container reads its env
 * from, which a pod orphaned by a lost Deployment still names.
 */
export function clusterLiveApps(admin: KubeConfig): LiveApps {
  const core = admin.makeApiClient(CoreV1Api);
  return async (deploymentId) => {
    const pods = await core.listPodForAllNamespaces({ labelSelector: `${KUBERNETES_LABELS.deployment}=${labelValue(deploymentId)}` });
    const apps: LiveApp[] = [];
    for (const pod of pods.items) {
      if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running') continue;
      const secretName = pod.spec?.containers[0]?.envFrom?.[0]?.secretRef?.name;
      const secret = secretName
        ? await core.readNamespacedSecret({ name: secretName, namespace: pod.metadata!.namespace! }).catch(() => null)
        : null;
      const version = secret?.data?.SLIPWAY_RELEASE_VERSION;
      apps.push({
        instance: pod.metadata!.uid!,
        key: secret?.metadata?.annotations?.[ANNOTATIONS.revisionKey] ?? null,
        version: version ? Buffer.from(version, 'base64').toString() : null,
      });
    }
    return apps.sort((a, b) => a.instance.localeCompare(b.instance));
  };
}
