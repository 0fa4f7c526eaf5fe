import type Docker from 'dockerode';
import type { ComputeProvider } from '../ports/compute';
import { managedRevisionKeys } from '../compute/docker/dockerProvider';

/** Stops every revision container Slipway runs on the engine (Ctrl-C of `npm start`, like stopAllApps). */
export async function stopAllContainers(compute: ComputeProvider, docker: Docker, graceMs: number): Promise<number> {
  const keys = await managedRevisionKeys(docker);
  await Promise.all(keys.map((key) => compute.stop(key, { graceMs })));
  return keys.length;
}
