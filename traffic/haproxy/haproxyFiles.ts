import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../atomicFile';
import { fieldErrors } from '../builtin/routeSpecSchema';
import { haproxyPaths, renderHaproxyFiles, type HaproxySettings } from './haproxyConfig';
import { emptyState, HaproxyStateSchema, type HaproxyState } from './haproxyState';

export class HaproxyStateError extends Error {}

export async function loadHaproxyState(dir: string): Promise<HaproxyState | null> {
  const file = haproxyPaths(dir).state;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = HaproxyStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const detail = fieldErrors(parsed.error)
      .map((e) => `${e.field}: ${e.message}`)
      .join('; ');
    throw new HaproxyStateError(`HAProxy state file ${file} is invalid: ${detail}`);
  }
  return parsed.data;
}

/**
 * State first, then what is rendered from it; the maps before the configuration that
 * names them. Whoever (re)starts HAProxy next reads files that agree with each other.
 */
export async function saveHaproxyState(state: HaproxyState, settings: HaproxySettings): Promise<void> {
  const p = haproxyPaths(settings.dir);
  const files = renderHaproxyFiles(state, settings);
  await writeFileAtomic(p.state, `${JSON.stringify(state)}\n`);
  await writeFileAtomic(p.hostsMap, files.hostsMap);
  await writeFileAtomic(p.bodyMap, files.bodyMap);
  await writeFileAtomic(p.retryMap, files.retryMap);
  await writeFileAtomic(p.config, files.config);
}

/** Before HAProxy starts: the saved state (or an empty pool) rendered into its files. */
export async function prepareHaproxyFiles(settings: HaproxySettings): Promise<HaproxyState> {
  const state = (await loadHaproxyState(settings.dir)) ?? emptyState();
  await saveHaproxyState(state, settings);
  return state;
}
