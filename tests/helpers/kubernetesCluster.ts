import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logger';
import { ensureKubernetesBinaries } from '../../src/bootstrap/kubernetesBinaries';
import { startKubernetesCluster, type KubernetesCluster, type KubernetesClusterOptions } from '../../src/bootstrap/kubernetesCluster';

/**
 * A control plane with kwok nodes for one suite: `beforeAll(startTestCluster, CLUSTER_SETUP_TIMEOUT_MS)`
 * and `afterAll(() => cluster.stop())`. The binaries are built on the first run (12-15 min on
 * 2 cores, cached in ~/.cache/slipway/kubernetes-v1.34.2), hence the long hook timeout.
 */
export const CLUSTER_SETUP_TIMEOUT_MS = 45 * 60_000;
/**
 * A suite that wants the host's one real node waits this long for another process's (a second
 * test run, a bench) instead of failing at once; well inside CLUSTER_SETUP_TIMEOUT_MS.
 */
export const REAL_NODE_LOCK_WAIT_MS = 20 * 60_000;

export interface TestCluster extends KubernetesCluster {
  dir: string;
}

export async function startTestCluster(options: Pick<KubernetesClusterOptions, 'fakeNodes' | 'realNode'> = {}): Promise<TestCluster> {
  const logger = createLogger('kubernetes-test', process.env.SLIPWAY_TEST_LOG_LEVEL ?? 'warn');
  const binaries = await ensureKubernetesBinaries({ logger });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-k8s-'));
  const cluster = await startKubernetesCluster({ binaries, dir, logger, ...options });
  return {
    ...cluster,
    dir,
    stop: async () => {
      await cluster.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
