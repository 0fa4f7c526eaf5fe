import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ensureKubernetesBinaries } from './bootstrap/kubernetesBinaries';
import { startKubernetesCluster } from './bootstrap/kubernetesCluster';
import { REAL_NODE_NAME } from './bootstrap/kubernetesRealNode';
import { startLocalRegistry } from './bootstrap/registry';
import { ensureRegistryBinary } from './bootstrap/registryBinary';
import { loadConfig } from './config';
import { createLogger } from './logger';

/**
 * `npm run cluster:kubernetes`: a throw-away cluster to point `npm start` at (README
 * "Kubernetes"): the control plane, one real node (root) and a registry that node pulls from
 * over plain HTTP, all under $SLIPWAY_DATA_DIR/kubernetes, until Ctrl-C takes it all down.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('kubernetes-cluster', process.env.SLIPWAY_LOG_LEVEL ?? 'info');
  const dir = path.join(config.dataDir, 'kubernetes');
  // A previous cluster's etcd data would bring back its objects without their pods.
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const [binaries, registryBinary] = await Promise.all([ensureKubernetesBinaries({ logger }), ensureRegistryBinary({ logger })]);
  const registry = await startLocalRegistry({ binary: registryBinary, dataDir: path.join(dir, 'registry'), logger });
  let cluster: Awaited<ReturnType<typeof startKubernetesCluster>> | undefined;
  const stop = async (code: number) => {
    await cluster?.stop();
    await registry.stop();
    await fs.rm(dir, { recursive: true, force: true });
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  try {
    cluster = await startKubernetesCluster({
      binaries,
      dir: path.join(dir, 'cluster'),
      logger,
      fakeNodes: 0,
      realNode: { insecureRegistries: [registry.host] },
    });
  } catch (err) {
    process.stderr.write(`cluster:kubernetes: ${err instanceof Error ? err.message : String(err)}\n`);
    await stop(1);
    return;
  }
  process.stdout.write(
    [
      '',
      `Kubernetes  ${cluster.server} (node ${REAL_NODE_NAME}), admin kubeconfig ${cluster.kubeconfigPath}`,
      `Registry    ${registry.url} (the node pulls from it over plain HTTP)`,
      '',
      'Run Slipway on it, in another terminal:',
      `  SLIPWAY_COMPUTE=kubernetes SLIPWAY_KUBECONFIG=${cluster.kubeconfigPath} SLIPWAY_REGISTRY=${registry.url} npm start`,
      'Ctrl-C here stops the cluster: pods drained, no iptables rules, mounts or bridge left.',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
