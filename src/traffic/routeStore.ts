import { mkdir, readFile, rename, writeFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { RouteFileSchema, fieldErrors } from './routeSpecSchema';
import type { RouteSpec } from './trafficRouter';

/**
 * The routes JSON file, so a restarted router serves the same upstreams before any
 * activity calls it again. Writes go to a temp file that is renamed over the real
 * one: a crash mid-write leaves the previous complete file, never half a file.
 */
export interface RouteStore {
  readonly file: string;
  load(): Promise<RouteSpec[]>;
  /** Saves are serialised; each writes the snapshot it is given. */
  save(routes: RouteSpec[]): Promise<void>;
}

export class RouteStoreError extends Error {}

export function createRouteStore(file: string): RouteStore {
  let queue: Promise<void> = Promise.resolve();
  let seq = 0;

  async function write(routes: RouteSpec[]): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${++seq}.tmp`;
    const body = JSON.stringify({ version: 1, routes }, null, 2) + '\n';
    try {
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(tmp, file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  return {
    file,
    async load() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new RouteStoreError(`route state file ${file} is not valid JSON: ${(err as Error).message}`);
      }
      const parsed = RouteFileSchema.safeParse(json);
      if (!parsed.success) {
        const detail = fieldErrors(parsed.error).map((e) => `${e.field}: ${e.message}`).join('; ');
        throw new RouteStoreError(`route state file ${file} is invalid: ${detail}`);
      }
      return parsed.data.routes;
    },
    save(routes) {
      // Chain so two quick changes cannot rename out of order and leave the older snapshot.
      const next = queue.then(() => write(routes));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
