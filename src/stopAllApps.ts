import { promises as fs } from 'node:fs';
import type { ComputeProvider } from '../ports/compute';

/** Stops every app process the local provider tracks in `stateDir` (used by Ctrl-C of `npm start`). */
export async function stopAllApps(compute: ComputeProvider, stateDir: string, graceMs: number): Promise<number> {
  const keys = (await fs.readdir(stateDir).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length));
  await Promise.all(keys.map((key) => compute.stop(key, { graceMs })));
  return keys.length;
}
