import { KubeConfig } from './client';

/**
 * Slipway's identity towards the cluster: the named kubeconfig, else the pod's own account
 * when Slipway runs in the cluster, else the usual KUBECONFIG / ~/.kube/config.
 */
export function loadKubeConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const config = new KubeConfig();
  if (file) config.loadFromFile(file);
  else if (env.KUBERNETES_SERVICE_HOST) config.loadFromCluster();
  else config.loadFromDefault();
  if (!config.getCurrentCluster()) {
    throw new Error(
      'SLIPWAY_COMPUTE=kubernetes found no cluster: set SLIPWAY_KUBECONFIG to a kubeconfig file (its current context is used), or run Slipway in the cluster',
    );
  }
  return config;
}
