import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = path.resolve(__dirname, '../../scripts/ensure-deps.js');

/** A project with no dependencies, so the real `npm ci` runs offline in a second. */
async function project(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-ensure-deps-'));
  await fs.mkdir(path.join(dir, 'scripts'));
  await fs.copyFile(SCRIPT, path.join(dir, 'scripts', 'ensure-deps.js'));
  await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'ed', version: '1.0.0', private: true }));
  const lock = { name: 'ed', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'ed', version: '1.0.0' } } };
  await fs.writeFile(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  return dir;
}

const ensure = async (dir: string) => (await run(process.execPath, [path.join(dir, 'scripts', 'ensure-deps.js')], { cwd: dir })).stderr;
const future = async (file: string) => {
  const t = new Date(Date.now() + 60_000);
  await fs.utimes(file, t, t);
};

describe('scripts/ensure-deps.js', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await project();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('installs when node_modules is missing, then not again for the same lockfile, even with a newer mtime', async () => {
    expect(await ensure(dir)).toContain('node_modules is missing; running `npm ci`');
    // npm writes its own stamp only when there is something to install; give it one, as a real install has.
    await fs.writeFile(path.join(dir, 'node_modules', '.package-lock.json'), '{}');
    await future(path.join(dir, 'package-lock.json'));
    expect(await ensure(dir)).not.toContain('npm ci');
  });

  it('installs again when the lockfile content changed since the install', async () => {
    await ensure(dir);
    await fs.writeFile(path.join(dir, 'node_modules', '.package-lock.json'), '{}');
    const lockFile = path.join(dir, 'package-lock.json');
    await fs.writeFile(lockFile, (await fs.readFile(lockFile, 'utf8')).replace('"requires": true', '"requires": false'));
    await future(lockFile);
    expect(await ensure(dir)).toContain('package-lock.json changed since the last install; running `npm ci`');
  });
});
