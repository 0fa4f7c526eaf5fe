import { promises as fs } from 'node:fs';

const CHUNK = 64 * 1024;

/**
 * Last `maxLines` lines of a file, read backwards in chunks so a large log costs only
 * its tail. A missing file has no lines.
 */
export async function tailFile(file: string, maxLines: number): Promise<string[]> {
  if (maxLines <= 0) return [];
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const { size } = await handle.stat();
    let position = size;
    let buffer = Buffer.alloc(0);
    // One newline more than lines wanted, so the first kept line is whole.
    while (position > 0 && countNewlines(buffer) <= maxLines) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, position);
      buffer = Buffer.concat([chunk, buffer]);
    }
    const lines = buffer.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (position > 0) lines.shift(); // partial first line
    return lines.slice(-maxLines);
  } finally {
    await handle.close();
  }
}

function countNewlines(buffer: Buffer): number {
  let count = 0;
  for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) count++;
  return count;
}
