import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';

/** Folders that are build or VCS by-products, never part of what a release runs. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git']);

export interface TreeEntry {
  /** Path relative to the tree root, always with `/` so digests match across platforms. */
  relPath: string;
  kind: 'file' | 'symlink';
  /** Only the executable bit counts (git's rule): umask and the store's own read-only
   *  chmod must not change the identity of the content. */
  executable: boolean;
  /** Permission bits of the source file (not part of the digest); a copy never gets more. */
  mode: number;
  /** Link target for symlinks. */
  linkTarget?: string;
}

/** Every file and symlink under root, sorted by relative path. Empty folders carry no content. */
export async function listTree(root: string): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  async function walk(dir: string, relDir: string): Promise<void> {
    for (const dirent of await fs.readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, dirent.name);
      const relPath = relDir ? `${relDir}/${dirent.name}` : dirent.name;
      if (dirent.isDirectory()) {
        if (!SKIPPED_DIRS.has(dirent.name)) await walk(abs, relPath);
      } else if (dirent.isSymbolicLink()) {
        entries.push({ relPath, kind: 'symlink', executable: false, mode: 0o777, linkTarget: await fs.readlink(abs) });
      } else if (dirent.isFile()) {
        const { mode } = await fs.stat(abs);
        entries.push({ relPath, kind: 'file', executable: (mode & 0o111) !== 0, mode: mode & 0o777 });
      }
      // Sockets, fifos and devices are not release content; leaving them out keeps copies possible.
    }
  }
  await walk(root, '');
  return entries.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
}

/**
 * sha256 over paths, kinds, executable bits and contents, each field length-framed so that
 * no two different trees can produce the same byte stream.
 */
export async function digestTree(root: string, entries: TreeEntry[]): Promise<string> {
  const hash = createHash('sha256');
  for (const entry of entries) {
    const header = `${entry.kind}\0${entry.executable ? '755' : '644'}\0${entry.relPath}\0`;
    hash.update(`${Buffer.byteLength(header)}:${header}`);
    if (entry.kind === 'symlink') {
      hash.update(`${Buffer.byteLength(entry.linkTarget ?? '')}:${entry.linkTarget ?? ''}`);
      continue;
    }
    const abs = path.join(root, ...entry.relPath.split('/'));
    const { size } = await fs.stat(abs);
    hash.update(`${size}:`);
    for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/**
 * The most a stored copy may allow: the owner's and group's bits of the source, never
 * more, and nothing for others (apps read their artifact through its group). A 0640
 * source stays 0640, a 0600 one stays 0600.
 */
export const STORED_MODE_MASK = 0o750;

/** Copies the listed entries from one root to another, keeping symlinks and never widening modes. */
export async function copyTree(from: string, to: string, entries: TreeEntry[]): Promise<void> {
  await fs.mkdir(to, { recursive: true, mode: STORED_MODE_MASK });
  for (const entry of entries) {
    const parts = entry.relPath.split('/');
    const dest = path.join(to, ...parts);
    await fs.mkdir(path.dirname(dest), { recursive: true, mode: STORED_MODE_MASK });
    if (entry.kind === 'symlink') {
      await fs.symlink(entry.linkTarget ?? '', dest);
    } else {
      await fs.copyFile(path.join(from, ...parts), dest);
      await fs.chmod(dest, entry.mode & STORED_MODE_MASK);
    }
  }
}

/** Turns `write` permission on or off for every file and folder under root (symlinks untouched). */
export async function setTreeWritable(root: string, writable: boolean): Promise<void> {
  async function apply(abs: string): Promise<void> {
    const perms = (await fs.stat(abs)).mode & 0o777;
    const next = writable ? perms | 0o200 : perms & ~0o222;
    if (next !== perms) await fs.chmod(abs, next);
  }
  async function walk(dir: string): Promise<void> {
    for (const dirent of await fs.readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, dirent.name);
      if (dirent.isDirectory()) await walk(abs);
      else if (dirent.isFile()) await apply(abs);
    }
    await apply(dir);
  }
  await walk(root);
}

/**
 * The first symlink that leads out of the tree (absolute, or `..` past the root once resolved
 * from where it sits), or null. Its target would be read on the server at run time, not from
 * the stored copy, so `ln -s /etc x` must not become part of a release.
 */
export function escapingSymlink(entries: TreeEntry[]): TreeEntry | null {
  for (const entry of entries) {
    if (entry.kind !== 'symlink') continue;
    const target = entry.linkTarget ?? '';
    if (path.posix.isAbsolute(target)) return entry;
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(entry.relPath), target));
    if (resolved === '..' || resolved.startsWith('../')) return entry;
  }
  return null;
}
