import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureKubernetesBinaries } from '../src/bootstrap/kubernetesBinaries';
import { startKubernetesCluster } from '../src/bootstrap/kubernetesCluster';
import { createLogger } from '../src/logger';
import { REAL_NODE_LOCK_WAIT_MS } from '../tests/helpers/kubernetesCluster';

/**
 * `npm run bench:k8s-cluster [runs]`: how long the test cluster (control plane + kwok node) takes to
 * come up and go down; with BENCH_REAL_NODE=1 the real node instead of kwok (root; up = node Ready and
 * kube-proxy healthy; it includes any wait for another process's real node, so run it alone).
 */
async function main(): Promise<void> {
  const logger = createLogger('bench-k8s-cluster', 'warn');
  const runs = Number(process.argv[2] ?? 2);
  const real = process.env.BENCH_REAL_NODE === '1';
  let t = Date.now();
  const binaries = await ensureKubernetesBinaries({ logger });
  console.log(`binaries ready in ${Date.now() - t} ms (a cold build is 12-72 min)`);
  for (let i = 0; i < runs; i++) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-k8s-bench-'));
    t = Date.now();
    const cluster = await startKubernetesCluster({
      binaries,
      dir,
      logger,
      ...(real ? { fakeNodes: 0, realNode: { lockWaitMs: REAL_NODE_LOCK_WAIT_MS } } : {}),
    });
    const up = Date.now() - t;
    t = Date.now();
    await cluster.stop();
    console.log(
      `run ${i + 1}: up ${up} ms (${real ? 'real' : 'kwok'} node Ready), down ${Date.now() - t} ms; load average ${os.loadavg()[0].toFixed(1)}`,
    );
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
