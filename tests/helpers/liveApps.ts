import type Docker from 'dockerode';
import { LABELS } from '../../compute/docker/containerSpec';
import { liveAppProcesses } from './appProcesses';

/** One app instance running for a deployment, as the place that runs it reports it. */
export interface LiveApp {
  /** The host pid of the app (a container's init process on docker). The same pid before and after means adopted. */
  pid: number;
  /** The revision key the runtime's own record ties it to; null for an orphan nobody tracks. */
  key: string | null;
  version: string | null;
}

/**
 * What runs for a deployment, asked of the runtime itself rather than of anything Slipway
 * wrote to its database: crash tests compare the two. Local apps come from the kernel's process
 * table (which also finds orphans no state file names), containers from the engine (whose
 * labels are the only record, so anything running under the deployment's label counts).
 */
export type LiveApps = (deploymentId: string) => Promise<LiveApp[]>;

export function kernelLiveApps(computeStateDir: string): LiveApps {
  return async (deploymentId) =>
    (await liveAppProcesses({ deploymentId, computeStateDir })).map((p) => ({ pid: p.pid, key: p.key, version: p.version }));
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
      apps.push({ pid: info.State.Pid, key: c.Labels[LABELS.revision] ?? null, version });
    }
    return apps.sort((a, b) => a.pid - b.pid);
  };
}
