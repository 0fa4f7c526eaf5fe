import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Logger } from '../logger';

const ROOT = path.resolve(__dirname, '../..');
/** Not part of any workflow: never bundled, so they do not make a new bundle. */
const NOT_WORKFLOW_CODE = new Set(['node_modules', 'tests', 'bench', 'dashboard', 'docs', 'examples', '.git', '.slipway']);

/**
 * The workflow bundle, built once per content of the code: webpack takes 5 s on a quiet
 * machine and 40 s on a loaded one, and every worker start paid it. The key hashes every
 * source file (TypeScript, JavaScript, JSON) of the checkout outside tests, benches and the dashboard (wider
 * than what workflows import, so a change to anything they reach makes a new bundle), the
 * lockfile and the SDK version. Written atomically, so concurrent starts share it safely.
 */
export async function cachedWorkflowBundle(opts: {
  cacheDir: string;
  workflowsPath: string;
  logger: Logger;
}): Promise<{ codePath: string }> {
  const key = await sourceKey();
  const dir = path.join(opts.cacheDir, 'workflow-bundles');
  const codePath = path.join(dir, `${key}.js`);
  if (
    await fs.stat(codePath).then(
      () => true,
      () => false,
    )
  )
    return { codePath };
  const started = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath: opts.workflowsPath });
  await fs.mkdir(dir, { recursive: true });
  const tmp = `${codePath}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, code);
  await fs.rename(tmp, codePath);
  opts.logger.debug({ codePath, ms: Date.now() - started }, 'bundled workflows');
  await pruneOldBundles(dir, path.basename(codePath));
  return { codePath };
}

async function sourceKey(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await sourceFiles(ROOT)).sort();
  for (const f of [...files, path.join(ROOT, 'package-lock.json')]) {
    hash.update(path.relative(ROOT, f));
    hash.update(await fs.readFile(f).catch(() => Buffer.alloc(0)));
  }
  hash.update(await fs.readFile(require.resolve('@temporalio/worker/package.json')));
  return hash.digest('hex').slice(0, 32);
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !(dir === ROOT && NOT_WORKFLOW_CODE.has(e.name)) && e.name !== 'node_modules')
      out.push(...(await sourceFiles(p)));
    else if (e.isFile() && /\.(ts|js|mjs|cjs|json)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Keeps the cache from growing with every edit: the newest few bundles stay. */
async function pruneOldBundles(dir: string, keep: string): Promise<void> {
  const entries = await Promise.all(
    (await fs.readdir(dir))
      .filter((n) => n.endsWith('.js'))
      .map(async (n) => ({ n, t: (await fs.stat(path.join(dir, n)).catch(() => null))?.mtimeMs ?? 0 })),
  );
  const old = entries
    .filter((e) => e.n !== keep)
    .sort((a, b) => b.t - a.t)
    .slice(4);
  await Promise.all(old.map((e) => fs.rm(path.join(dir, e.n), { force: true })));
}
