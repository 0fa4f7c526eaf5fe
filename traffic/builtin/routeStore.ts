import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../atomicFile';
import { RouteFileSchema, fieldErrors } from './routeSpecSchema';
import type { RouteSpec } from '../../ports/traffic';

/**
 * The routes JSON file, so a restarted router serves the same upstreams before any
 * activity calls it again. Writes go to a temp file that is synced and renamed over
 * the real one: a crash mid-write leaves the previous complete file, never half a file.
 */
export interface RouteStore {
  readonly file: string;
  load(): Promise<RouteSpec[]>;
  /**
   * Resolves once a write that began after this call is on disk. Group commit: while a
   * write is running, every later call shares the next one, which reads `snapshot()`
   * when it starts, so a burst of N changes costs two writes rather than N (with 10,000
   * routes a write per change would be quadratic).
   */
  save(snapshot: () => RouteSpec[]): Promise<void>;
}

export class RouteStoreError extends Error {}

interface Batch {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

export function createRouteStore(file: string): RouteStore {
  let writing = false;
  let waiting: { batch: Batch; snapshot: () => RouteSpec[] } | null = null;

  const write = (routes: RouteSpec[]) => writeFileAtomic(file, serialize(routes));

  function startNext(): void {
    if (writing || !waiting) return;
    const { batch, snapshot } = waiting;
    waiting = null;
    writing = true;
    let routes: RouteSpec[];
    try {
      routes = snapshot();
    } catch (err) {
      writing = false;
      batch.reject(err);
      startNext();
      return;
    }
    write(routes)
      .then(batch.resolve, batch.reject)
      .finally(() => {
        writing = false;
        startNext();
      });
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
        const detail = fieldErrors(parsed.error)
          .map((e) => `${e.field}: ${e.message}`)
          .join('; ');
        throw new RouteStoreError(`route state file ${file} is invalid: ${detail}`);
      }
      return parsed.data.routes;
    },
    save(snapshot) {
      // The newest snapshot function wins: all of them read the same live table.
      if (waiting) waiting.snapshot = snapshot;
      else waiting = { batch: newBatch(), snapshot };
      const { promise } = waiting.batch;
      startNext();
      return promise;
    },
  };
}

/** One route per line: compact for 10,000 routes, still readable and diffable by hand. */
function serialize(routes: RouteSpec[]): string {
  if (routes.length === 0) return '{"version":1,"routes":[]}\n';
  return `{"version":1,"routes":[\n${routes.map((r) => JSON.stringify(r)).join(',\n')}\n]}\n`;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
