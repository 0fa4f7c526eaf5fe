import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

let seq = 0;

/**
 * Writes to a temp file that is synced and renamed over the real one: a crash mid-write
 * leaves the previous complete file, never half a file. Readers in other processes see
 * the old or the new content.
 */
export async function writeFileAtomic(file: string, text: string, mode = 0o600): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${++seq}.tmp`;
  try {
    const handle = await open(tmp, 'w', mode);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(path.dirname(file));
}

/** Makes the rename itself durable; some platforms cannot open a directory, which is fine to skip. */
async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    /* best effort */
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
