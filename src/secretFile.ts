import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Reads a secret kept in a file of the data directory, making it at first start: random
 * bytes, base64url, mode 0600. The file appears whole or not at all (written aside, then
 * hard-linked into place), so two processes starting at once agree on one value.
 */
export async function ensureSecretFile(file: string, bytes = 32): Promise<string> {
  const existing = await readSecret(file);
  if (existing) return existing;
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, `${randomBytes(bytes).toString('base64url')}\n`, { mode: 0o600 });
  try {
    await fs.link(tmp, file);
  } catch (err) {
    // Another process won the race: its file is the one everyone reads.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
  const made = await readSecret(file);
  if (!made) throw new Error(`secret file ${file} is empty; delete it to have a new one made`);
  return made;
}

async function readSecret(file: string): Promise<string> {
  try {
    const text = (await fs.readFile(file, 'utf8')).trim();
    // A secret file someone widened is tightened again rather than trusted as is.
    if (text) await fs.chmod(file, 0o600);
    return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}
