import { connectEngine, engineMessage } from '../../compute/docker/engineClient';
import { StartupFailure } from './startupFailure';

const PING_TIMEOUT_MS = 5_000;

/** An operator's DOCKER_HOST must answer before anything starts, or every deploy would fail later. */
export async function checkEngine(dockerHost: string): Promise<void> {
  const docker = connectEngine(dockerHost);
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), PING_TIMEOUT_MS).unref()),
    ]);
  } catch (err) {
    throw new StartupFailure(
      `DOCKER_HOST ${dockerHost} does not answer the Docker Engine API (${engineMessage(err)})`,
      'start that engine or fix DOCKER_HOST, or unset it to let Slipway run Podman',
      err,
    );
  }
}

/**
 * Registries the engine may reach over plain HTTP: the registry's own URL says http://, and only
 * on this host's loopback (the embedded one); anything remote must speak TLS.
 */
export function insecureRegistries(registryUrl: string | undefined): string[] {
  if (!registryUrl) return [];
  const url = new URL(registryUrl);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return url.protocol === 'http:' && loopback ? [url.host] : [];
}
