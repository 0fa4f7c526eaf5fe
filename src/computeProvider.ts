import type { ComputeProvider } from '../ports/compute';
import type { Logger } from '../ports/logger';
import { connectEngine } from '../compute/docker/engineClient';
import { createDockerComputeProvider } from '../compute/docker/dockerProvider';
import type { RegistryCredentials } from '../compute/docker/pullImage';
import { createKubernetesComputeProvider } from '../compute/kubernetes/kubernetesProvider';
import { loadKubeConfig } from '../compute/kubernetes/loadKubeConfig';
import { createLocalComputeProvider } from '../compute/local/localProvider';
import type { Config } from './config';
import { dataPaths } from './dataPaths';

/**
 * The worker's ComputeProvider for SLIPWAY_COMPUTE. For `docker` the supervisor has started
 * Podman's API service (or the operator named an engine) and passes its socket as DOCKER_HOST.
 */
export function createComputeProvider(config: Config, logger: Logger): ComputeProvider {
  const paths = dataPaths(config.dataDir);
  if (config.compute === 'docker') {
    if (!config.dockerHost) throw new Error('SLIPWAY_COMPUTE=docker needs DOCKER_HOST (npm start sets it to the engine it started)');
    return createDockerComputeProvider({
      docker: connectEngine(config.dockerHost),
      logger,
      registryCredentials: registryCredentials(config),
    });
  }
  if (config.compute === 'kubernetes') {
    return createKubernetesComputeProvider({ kubeConfig: loadKubeConfig(config.kubeconfig), logger });
  }
  return createLocalComputeProvider({ stateDir: paths.compute, homesDir: paths.apps, artifactsDir: paths.artifacts, logger });
}

/** The configured registry's credentials, for pulls from that registry's host alone. */
function registryCredentials(config: Config): RegistryCredentials | undefined {
  const { url, credentials } = config.registry ?? {};
  if (!url || !credentials) return undefined;
  return { registry: new URL(url).host, ...credentials };
}
