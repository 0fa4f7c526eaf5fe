import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArtifactNotFoundError, createArtifactStore, InvalidArtifactError } from '../../compute/local/artifactStore';

let tmp: string;

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-artifacts-'));
});

afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function writeTree(dir: string, files: Record<string, string>): Promise<string> {
  for (const [rel, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), content);
  }
  return dir;
}

const APP = { 'server.js': 'console.log("hi")\n', 'lib/util.js': 'module.exports = 1;\n' };

describe('artifact store', () => {
  it('removes a stored artifact (retention), twice without complaint, and a later put stores it again', async () => {
    const store = createArtifactStore(path.join(tmp, 'store'), { sourceRoots: [tmp] });
    const a = await store.put(await writeTree(path.join(tmp, 'a'), APP));
    await store.remove(a.digest);
    await store.remove(a.digest);
    expect(await store.get(a.digest)).toBeNull();
    expect(await fs.readdir(path.join(tmp, 'store'))).toEqual([]);
    expect(await store.put(path.join(tmp, 'a'))).toEqual(a);
    await expect(store.remove('sha256:../../etc')).rejects.toBeInstanceOf(InvalidArtifactError);
  });

  it('names the same content with the same digest and stores it once', async () => {
    const store = createArtifactStore(path.join(tmp, 'store'), { sourceRoots: [tmp] });
    const a = await store.put(await writeTree(path.join(tmp, 'a'), APP));
    const b = await store.put(await writeTree(path.join(tmp, 'b'), APP));
    const again = await store.put(path.join(tmp, 'a'));

    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b).toEqual(a);
    expect(again).toEqual(a);
    expect(a.dir).toBe(path.join(tmp, 'store', `sha256-${a.digest.slice(7)}`));
    expect(await fs.readFile(path.join(a.dir, 'lib/util.js'), 'utf8')).toBe(APP['lib/util.js']);
    expect((await fs.readdir(path.join(tmp, 'store'))).sort()).toEqual([path.basename(a.dir)]);
  });

  it('gives changed content, a renamed file or a new executable bit a new digest', async () => {
    const store = createArtifactStore(path.join(tmp, 'store'), { sourceRoots: [tmp] });
    const src = await writeTree(path.join(tmp, 'src'), APP);
    const first = await store.put(src);

    await fs.writeFile(path.join(src, 'server.js'), 'console.log("bye")\n');
    const changed = await store.put(src);
    expect(changed.digest).not.toBe(first.digest);

    await fs.rename(path.join(src, 'lib/util.js'), path.join(src, 'lib/other.js'));
    const renamed = await store.put(src);
    expect(renamed.digest).not.toBe(changed.digest);

    await fs.chmod(path.join(src, 'server.js'), 0o755);
    const executable = await store.put(src);
    expect(executable.digest).not.toBe(renamed.digest);
    expect((await fs.stat(path.join(executable.dir, 'server.js'))).mode & 0o111).not.toBe(0);

    // The old version is still there, unchanged.
    expect(await fs.readFile(path.join(first.dir, 'server.js'), 'utf8')).toBe(APP['server.js']);
  });

  it('leaves node_modules and .git out of the digest and the copy', async () => {
    const store = createArtifactStore(path.join(tmp, 'store'), { sourceRoots: [tmp] });
    const src = await writeTree(path.join(tmp, 'src'), APP);
    const before = await store.put(src);
    await writeTree(src, { 'node_modules/x/index.js': 'x', '.git/HEAD': 'ref: main' });
    const after = await store.put(src);

    expect(after.digest).toBe(before.digest);
    expect((await fs.readdir(after.dir)).sort()).toEqual(['lib', 'server.js']);
  });

  it('makes stored files and folders read-only', async () => {
    const store = createArtifactStore(path.join(tmp, 'store'), { sourceRoots: [tmp] });
    const { dir } = await store.put(await writeTree(path.join(tmp, 'src'), APP));
    for (const p of [dir, path.join(dir, 'server.js'), path.join(dir, 'lib'), path.join(dir, 'lib/util.js')]) {
      expect((await fs.stat(p)).mode & 0o222).toBe(0);
    }
  });

  it('finds stored artifacts with get() and checks them with verify()', async () => {
    const store = createArtifactStore(path.join(tmp, 'store'), { sourceRoots: [tmp] });
    const { digest, dir } = await store.put(await writeTree(path.join(tmp, 'src'), APP));
    const unknown = `sha256:${'0'.repeat(64)}`;

    expect(await store.get(digest)).toBe(dir);
    expect(await store.get(unknown)).toBeNull();
    expect(await store.verify(digest)).toBe(true);
    await expect(store.verify(unknown)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    await expect(store.get('sha256:../../etc')).rejects.toBeInstanceOf(InvalidArtifactError);

    // Tampering (only possible after undoing the chmod) is detected.
    await fs.chmod(path.join(dir, 'server.js'), 0o644);
    await fs.appendFile(path.join(dir, 'server.js'), '// changed\n');
    expect(await store.verify(digest)).toBe(false);
  });

  it('rejects a missing source, a file and an empty folder, naming the path', async () => {
    const store = createArtifactStore(path.join(tmp, 'store'), { sourceRoots: [tmp] });
    const missing = path.join(tmp, 'nope');
    const file = path.join(tmp, 'file.txt');
    const empty = path.join(tmp, 'empty');
    await fs.writeFile(file, 'x');
    await fs.mkdir(path.join(empty, 'node_modules'), { recursive: true });
    await fs.writeFile(path.join(empty, 'node_modules', 'ignored.js'), 'x');

    for (const [source, words] of [
      [missing, 'does not exist'],
      [file, 'is not a directory'],
      [empty, 'holds no files'],
    ]) {
      const err = await store.put(source).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArtifactError);
      expect((err as Error).message).toContain(source);
      expect((err as Error).message).toContain(words);
    }
  });

  it('converges when the same content is put concurrently', async () => {
    const store = createArtifactStore(path.join(tmp, 'store'), { sourceRoots: [tmp] });
    const src = await writeTree(path.join(tmp, 'src'), APP);
    const results = await Promise.all([store.put(src), store.put(src), store.put(src)]);

    expect(new Set(results.map((r) => r.dir)).size).toBe(1);
    // No temp directories are left behind.
    expect(await fs.readdir(path.join(tmp, 'store'))).toEqual([path.basename(results[0].dir)]);
  });

  describe('sources (issue 9.4)', () => {
    it.each([
      ['a path that climbs out with ..', () => path.join(tmp, 'root', '..', '..', '..', 'etc')],
      ['an absolute path outside the roots', () => '/etc'],
      ['a symlink to /etc inside a root', () => path.join(tmp, 'root', 'etc-link')],
    ])('refuses %s', async (_what, source) => {
      await fs.mkdir(path.join(tmp, 'root'), { recursive: true });
      await fs.symlink('/etc', path.join(tmp, 'root', 'etc-link')).catch(() => undefined);
      const store = createArtifactStore(path.join(tmp, 'store'), { sourceRoots: [path.join(tmp, 'root')] });
      const err = await store.put(source()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArtifactError);
      expect((err as Error).message).toMatch(/outside the artifact roots/);
    });

    it.each([
      ['absolute', '/etc/shadow'],
      ['climbing', '../../../../etc'],
      ['climbing from a subfolder', 'sub/../../../outside'],
    ])('refuses a tree with an %s symlink that leads out of it', async (_what, target) => {
      const src = await writeTree(path.join(tmp, `links-${_what.replace(/ /g, '-')}`), APP);
      await fs.symlink(target, path.join(src, 'lib', 'link'));
      const store = createArtifactStore(path.join(tmp, 'store'), { sourceRoots: [tmp] });
      const err = await store.put(src).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArtifactError);
      expect((err as Error).message).toMatch(/symlink that leads out of it \(lib\/link -> /);
    });

    it('keeps a symlink that stays inside the tree', async () => {
      const src = await writeTree(path.join(tmp, 'inner-link'), APP);
      await fs.symlink('../server.js', path.join(src, 'lib', 'entry.js'));
      const { dir } = await createArtifactStore(path.join(tmp, 'store'), { sourceRoots: [tmp] }).put(src);
      expect(await fs.readlink(path.join(dir, 'lib', 'entry.js'))).toBe('../server.js');
    });

    it('never widens a file mode and gives others nothing', async () => {
      const src = await writeTree(path.join(tmp, 'modes'), { 'shadow-like': 'x', 'public.txt': 'y', 'own-only': 'z', 'run.sh': 'w' });
      await fs.chmod(path.join(src, 'shadow-like'), 0o640);
      await fs.chmod(path.join(src, 'public.txt'), 0o644);
      await fs.chmod(path.join(src, 'own-only'), 0o600);
      await fs.chmod(path.join(src, 'run.sh'), 0o755);
      const { dir } = await createArtifactStore(path.join(tmp, 'store'), { sourceRoots: [tmp] }).put(src);
      const mode = async (f: string) => (await fs.stat(path.join(dir, f))).mode & 0o777;
      // stored read-only: the write bits go too
      expect(await mode('shadow-like')).toBe(0o440);
      expect(await mode('public.txt')).toBe(0o440);
      expect(await mode('own-only')).toBe(0o400);
      expect(await mode('run.sh')).toBe(0o550);
      expect((await fs.stat(dir)).mode & 0o007).toBe(0);
    });
  });
});
