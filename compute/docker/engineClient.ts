import Docker from 'dockerode';

/**
 * Podman 4.3's compat service speaks Engine API 1.41 at most; pinning it keeps one client
 * working against Podman and any newer Docker Engine alike (CONTAINERS.md §4).
 */
export const ENGINE_API_VERSION = 'v1.41';

/** A Docker Engine API client for a DOCKER_HOST value: `unix:///path.sock` or `tcp://host:port`. */
export function connectEngine(dockerHost: string): Docker {
  const url = parseDockerHost(dockerHost);
  if (url.socketPath) return new Docker({ socketPath: url.socketPath, version: ENGINE_API_VERSION });
  return new Docker({ host: url.host, port: url.port, protocol: url.protocol, version: ENGINE_API_VERSION });
}

export interface DockerHostAddress {
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

export function parseDockerHost(dockerHost: string): DockerHostAddress {
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost.startsWith('/')) return { socketPath: dockerHost };
  const url = new URL(dockerHost.replace(/^tcp:\/\//, 'http://'));
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`DOCKER_HOST ${dockerHost} is neither unix:// nor tcp:// nor http(s)://`);
  }
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return { host: url.hostname, port: Number(url.port || (protocol === 'https' ? 2376 : 2375)), protocol };
}

/** The engine's HTTP status on a failed call (dockerode puts it on the error), if any. */
export function engineStatus(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The engine's own message on a failed call, without the request it came from. */
export function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string; cause?: string }; reason?: string; message?: string };
  return e.json?.message ?? e.json?.cause ?? e.reason ?? e.message ?? String(err);
}

/** Runs an engine call whose listed statuses mean "already so" (304 already stopped, 404 gone). */
export async function quietly(statuses: number[], call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!statuses.includes(engineStatus(err) ?? -1)) throw err;
  }
}
