import { promises as fs, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The first folder on the way to `target` (its parents, then itself when `includeSelf`)
 * that a user other than its owner cannot pass through, or null when every one lets
 * others in (o+x). Apps and Postgres run as such users, so a clone in a 0700 home stops them.
 */
export async function firstClosedFolder(target: string, opts: { includeSelf?: boolean; ownerUid?: number } = {}): Promise<string | null> {
  const resolved = path.resolve(target);
  const folders: string[] = [];
  for (let dir = opts.includeSelf ? resolved : path.dirname(resolved); ; dir = path.dirname(dir)) {
    folders.unshift(dir);
    if (dir === path.dirname(dir)) break;
  }
  for (const dir of folders) {
    const stat = await fs.stat(dir).catch(() => null);
    if (!stat) return null; // not made yet: it will be made with the right mode
    if ((stat.mode & 0o001) === 0 && stat.uid !== opts.ownerUid) return dir;
  }
  return null;
}

export async function modeOf(dir: string): Promise<string> {
  return ((await fs.stat(dir)).mode & 0o777).toString(8).padStart(4, '0');
}

/** firstClosedFolder for code that must stay synchronous (path layout decided at start). */
export function firstClosedFolderSync(target: string): string | null {
  const resolved = path.resolve(target);
  const folders: string[] = [];
  for (let dir = path.dirname(resolved); ; dir = path.dirname(dir)) {
    folders.unshift(dir);
    if (dir === path.dirname(dir)) break;
  }
  for (const dir of folders) {
    let mode: number;
    try {
      mode = statSync(dir).mode;
    } catch {
      return null;
    }
    if ((mode & 0o001) === 0) return dir;
  }
  return null;
}
