import type Docker from 'dockerode';
import type { Logger } from '../../ports/logger';
import { RevisionStartError } from '../../ports/compute';
import { engineMessage, engineStatus } from './engineClient';
import type { PinnedImage } from './imageRef';

/** Credentials for one registry. Sent to the engine as X-Registry-Auth only; never logged. */
export interface RegistryCredentials {
  username: string;
  password: string;
  /** `host[:port]` the credentials are for; others get none. */
  registry: string;
}

/**
 * Registry answers no retry can change: the image is not there, the name is wrong, the
 * credentials are refused. Anything else (registry down, timeouts) is retried by the activity.
 */
const PERMANENT =
  /manifest unknown|name unknown|not found|no such image|invalid reference|repository name must|unauthorized|denied|authentication required/i;

export interface PullResult {
  pulled: boolean;
  ms: number;
}

/** Pulls the pinned image unless the engine has it already (a digest never changes, so "has it" is enough). */
export async function ensureImage(
  docker: Docker,
  image: PinnedImage,
  credentials: RegistryCredentials | undefined,
  log: Logger,
): Promise<PullResult> {
  const started = Date.now();
  if (await hasImage(docker, image.ref)) return { pulled: false, ms: 0 };
  const auth =
    credentials && credentials.registry === image.registry
      ? { username: credentials.username, password: credentials.password, serveraddress: credentials.registry }
      : undefined;
  log.info({ image: image.ref, withCredentials: Boolean(auth) }, 'pulling image');
  try {
    const stream = await docker.pull(image.ref, auth ? { authconfig: auth } : {});
    await followPull(docker, stream);
  } catch (err) {
    const message = engineMessage(err);
    const status = engineStatus(err);
    if (PERMANENT.test(message) || status === 404 || status === 401 || status === 403) {
      throw new RevisionStartError(`cannot pull ${image.ref}: ${message}`);
    }
    throw new Error(`pulling ${image.ref} failed (will retry): ${message}`, { cause: err });
  }
  // Podman answers 200 and still may not have stored it; only an inspect proves it.
  if (!(await hasImage(docker, image.ref))) throw new Error(`pulling ${image.ref} finished but the engine does not list it`);
  const ms = Date.now() - started;
  log.info({ image: image.ref, ms }, 'image pulled');
  return { pulled: true, ms };
}

export async function hasImage(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if (engineStatus(err) === 404) return false;
    throw err;
  }
}

/** A pull answers 200 at once and reports failure inside its JSON stream (CONTAINERS.md §7): scan it. */
function followPull(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: { error?: string; errorDetail?: { message?: string } }[]) => {
      if (err) return reject(err);
      const failed = events.find((e) => e.error || e.errorDetail);
      if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error));
      resolve();
    });
  });
}
