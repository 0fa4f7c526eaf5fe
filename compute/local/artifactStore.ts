import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { copyTree, digestTree, listTree, setTreeWritable } from './fileTree';

/**
 * Content-addressed store of release artifacts. A release's source folder is copied in
 * once, under the digest of its content, and made read-only, so a version never changes
 * under a deployment and the same content is stored (and named) once.
 *
 * Layout: `<rootDir>/sha256-<hex>/…`. Digests are written `sha256:<hex>`.
 */
export interface StoredArtifact {
  digest: string;
  dir: string;
}

export interface ArtifactStore {
  put(sourceDir: string): Promise<StoredArtifact>;
  /** Directory of a stored artifact, or null when the store does not hold it. */
  get(digest: string): Promise<string | null>;
  /** true when the stored tree still hashes to its name. Throws when it is not stored. */
  verify(digest: string): Promise<boolean>;
}

/** The artifact is not in the store (e.g. the store was wiped under a release). */
export class ArtifactNotFoundError extends Error {
  override readonly name = 'ArtifactNotFoundError';
  constructor(
    readonly digest: string,
    readonly dir: string,
  ) {
    super(`artifact ${digest} is not in the store (expected at ${dir})`);
  }
}

/** The input cannot become an artifact: missing, not a folder, empty, or a malformed digest. */
export class InvalidArtifactError extends Error {
  override readonly name = 'InvalidArtifactError';
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

const DIGEST = /^sha256:([0-9a-f]{64})$/;

export function createArtifactStore(rootDir: string): ArtifactStore {
  const root = path.resolve(rootDir);

  /** Parsing also guards against path traversal: only 64 hex chars reach the filesystem. */
  function dirOf(digest: string): string {
    const match = DIGEST.exec(digest);
    if (!match) throw new InvalidArtifactError(`malformed artifact digest "${digest}" (want sha256:<64 hex>)`);
    return path.join(root, `sha256-${match[1]}`);
  }

  async function put(sourceDir: string): Promise<StoredArtifact> {
    const source = path.resolve(sourceDir);
    const stat = await fs.stat(source).catch(() => null);
    if (!stat) throw new InvalidArtifactError(`artifact source ${source} does not exist`, source);
    if (!stat.isDirectory()) throw new InvalidArtifactError(`artifact source ${source} is not a directory`, source);

    const entries = await listTree(source);
    if (entries.length === 0) throw new InvalidArtifactError(`artifact source ${source} holds no files`, source);

    const digest = `sha256:${await digestTree(source, entries)}`;
    const dir = dirOf(digest);
    if (await exists(dir)) return { digest, dir };

    // Copy beside the target (same filesystem) and rename, so a reader never sees half a tree.
    await fs.mkdir(root, { recursive: true });
    const temp = path.join(root, `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await copyTree(source, temp, entries);
      // The source may have changed while we copied: name the copy by what was really copied.
      const copied = `sha256:${await digestTree(temp, entries)}`;
      // A plain Error on purpose: the condition is transient, so a retry should run.
      if (copied !== digest) throw new Error(`artifact source ${source} changed while it was being stored`);
      await setTreeWritable(temp, false);
      await fs.rename(temp, dir);
    } catch (err) {
      await removeTree(temp);
      // A concurrent put of the same content won the rename: same bytes, so theirs is ours.
      if (isCode(err, 'ENOTEMPTY', 'EEXIST') && (await exists(dir))) return { digest, dir };
      throw err;
    }
    return { digest, dir };
  }

  async function get(digest: string): Promise<string | null> {
    const dir = dirOf(digest);
    return (await exists(dir)) ? dir : null;
  }

  async function verify(digest: string): Promise<boolean> {
    const dir = dirOf(digest);
    if (!(await exists(dir))) throw new ArtifactNotFoundError(digest, dir);
    return `sha256:${await digestTree(dir, await listTree(dir))}` === digest;
  }

  return { put, get, verify };
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

async function removeTree(dir: string): Promise<void> {
  if (!(await exists(dir))) return;
  await setTreeWritable(dir, true).catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
}

function isCode(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}
