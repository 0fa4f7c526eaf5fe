import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { copyTree, digestTree, escapingSymlink, listTree, setTreeWritable } from './fileTree';

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
  /** Deletes a stored artifact (retention); gone already is fine. */
  remove(digest: string): Promise<void>;
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

/** Where releases may be published from unless SLIPWAY_ARTIFACT_ROOT says otherwise: the checkout's examples. */
export const DEFAULT_ARTIFACT_SOURCE_ROOTS: readonly string[] = [path.resolve(__dirname, '../../examples')];

export interface ArtifactStoreOptions {
  /** Folders whose contents may become artifacts; a source outside all of them is refused. */
  sourceRoots?: readonly string[];
}

export function createArtifactStore(rootDir: string, opts: ArtifactStoreOptions = {}): ArtifactStore {
  const root = path.resolve(rootDir);
  const sourceRoots = opts.sourceRoots ?? DEFAULT_ARTIFACT_SOURCE_ROOTS;

  /** Parsing also guards against path traversal: only 64 hex chars reach the filesystem. */
  function dirOf(digest: string): string {
    const match = DIGEST.exec(digest);
    if (!match) throw new InvalidArtifactError(`malformed artifact digest "${digest}" (want sha256:<64 hex>)`);
    return path.join(root, `sha256-${match[1]}`);
  }

  async function put(sourceDir: string): Promise<StoredArtifact> {
    const source = await allowedSource(sourceDir, sourceRoots);
    const stat = await fs.stat(source);
    if (!stat.isDirectory()) throw new InvalidArtifactError(`artifact source ${sourceDir} is not a directory`, sourceDir);

    const entries = await listTree(source);
    if (entries.length === 0) throw new InvalidArtifactError(`artifact source ${sourceDir} holds no files`, sourceDir);
    const escaping = escapingSymlink(entries);
    if (escaping) {
      throw new InvalidArtifactError(
        `artifact source ${sourceDir} holds a symlink that leads out of it (${escaping.relPath} -> ${escaping.linkTarget})`,
        sourceDir,
      );
    }

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

  async function remove(digest: string): Promise<void> {
    const dir = dirOf(digest);
    // Renamed away first, so a reader never sees half a tree under the digest's name.
    const doomed = `${dir}.removing-${process.pid}-${Date.now()}`;
    if (
      !(await fs.rename(dir, doomed).then(
        () => true,
        () => false,
      ))
    )
      return;
    await removeTree(doomed);
  }

  return { put, get, verify, remove };
}

/**
 * The real path of a source inside one of the roots. Real paths on both sides, so neither
 * `..` nor a symlink (the source itself or any folder on its way) can lead out of a root.
 */
async function allowedSource(sourceDir: string, roots: readonly string[]): Promise<string> {
  const real = await fs.realpath(path.resolve(sourceDir)).catch(() => null);
  if (!real) throw new InvalidArtifactError(`artifact source ${sourceDir} does not exist`, sourceDir);
  for (const r of roots) {
    const realRoot = await fs.realpath(path.resolve(r)).catch(() => null);
    if (realRoot && (real === realRoot || real.startsWith(realRoot + path.sep))) return real;
  }
  throw new InvalidArtifactError(
    `artifact source ${sourceDir} is outside the artifact roots (${roots.join(', ')}); publish from under one of them or set SLIPWAY_ARTIFACT_ROOT`,
    sourceDir,
  );
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
