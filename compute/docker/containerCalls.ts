import type Docker from 'dockerode';
import type { ContainerCreateOptions, ContainerInspectInfo } from 'dockerode';
import { RevisionStartError } from '../../ports/compute';
import { engineMessage, engineStatus, quietly } from './engineClient';

/** What an engine says when the program in the image cannot run at all: no retry fixes it. */
const NOT_RUNNABLE = /executable file not found|no such file or directory|permission denied|exec format error/i;

/** Engine calls both revisions and release steps make, with the engine's answers mapped once. */
export async function inspectContainer(docker: Docker, id: string): Promise<ContainerInspectInfo | null> {
  try {
    return await docker.getContainer(id).inspect();
  } catch (err) {
    if (engineStatus(err) === 404) return null;
    throw err;
  }
}

export async function removeContainer(docker: Docker, id: string): Promise<void> {
  await quietly([404], () => docker.getContainer(id).remove({ force: true, v: true }));
}

/**
 * Creates the named container; null when the name is taken (another worker created it between
 * our look and our create: the caller adopts theirs). Podman says so with a 500.
 */
export async function createNamed(docker: Docker, options: ContainerCreateOptions, what: string): Promise<string | null> {
  try {
    return (await docker.createContainer(options)).id;
  } catch (err) {
    const message = engineMessage(err);
    if (engineStatus(err) === 409 || /name .* is already in use/i.test(message)) return null;
    if (engineStatus(err) === 400 || NOT_RUNNABLE.test(message)) throw new RevisionStartError(`cannot create ${what}: ${message}`);
    throw err;
  }
}

/** Starts a created container; one whose program cannot run is removed and refused for good. */
export async function startOrRefuse(docker: Docker, id: string, what: string): Promise<void> {
  try {
    await quietly([304], () => docker.getContainer(id).start());
  } catch (err) {
    const message = engineMessage(err);
    if (NOT_RUNNABLE.test(message)) {
      await removeContainer(docker, id);
      throw new RevisionStartError(`cannot start ${what}: ${message}`);
    }
    throw err;
  }
}
