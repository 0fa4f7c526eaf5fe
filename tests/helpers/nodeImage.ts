import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A Node HTTP image built here without pulling anything (CONTAINERS.md §6): FROM scratch with the
 * host's node, the libraries ldd lists, and the app folders given. Tagged by a hash of all of that,
 * so a second build of unchanged inputs is a no-op (`podman image exists`).
 */
export interface NodeImageSpec {
  /** Repository name without a registry, e.g. `slipway/hello`. */
  name: string;
  /** Folder in the image → folder on this host, copied as they are. */
  folders: Record<string, string>;
  entrypoint: string[];
  env?: Record<string, string>;
  port?: number;
}

export interface PushedImage {
  /** `registry/name@sha256:…`, what a release pins. */
  ref: string;
  tag: string;
  built: boolean;
}

const NODE = process.execPath;

export async function buildNodeImage(
  spec: NodeImageSpec,
  podmanEnv: Record<string, string>,
  workDir: string,
): Promise<{ localTag: string; built: boolean }> {
  const libs = await nodeLibraries();
  const containerfile = [
    'FROM scratch',
    'COPY rootfs/ /',
    'USER 10001:10001',
    ...Object.entries({ PORT: String(spec.port ?? 8080), HOST: '0.0.0.0', ...spec.env }).map(([k, v]) => `ENV ${k}=${JSON.stringify(v)}`),
    `EXPOSE ${spec.port ?? 8080}`,
    `ENTRYPOINT ${JSON.stringify(spec.entrypoint)}`,
    '',
  ].join('\n');
  const hash = createHash('sha256').update(containerfile);
  for (const file of [NODE, ...libs]) hash.update(file).update(await fs.readFile(file));
  for (const [target, source] of Object.entries(spec.folders).sort()) {
    hash.update(target);
    for (const file of await listFiles(source)) hash.update(path.relative(source, file)).update(await fs.readFile(file));
  }
  const localTag = `localhost/${spec.name}:${hash.digest('hex').slice(0, 16)}`;
  const env = { ...process.env, ...podmanEnv };
  if (
    await run('podman', ['image', 'exists', localTag], { env }).then(
      () => true,
      () => false,
    )
  )
    return { localTag, built: false };

  const dir = await fs.mkdtemp(path.join(workDir, 'image-'));
  const root = path.join(dir, 'rootfs');
  try {
    for (const sub of ['usr/bin', 'etc', 'tmp']) await fs.mkdir(path.join(root, sub), { recursive: true });
    await fs.chmod(path.join(root, 'tmp'), 0o1777);
    await fs.copyFile(NODE, path.join(root, 'usr/bin/node'));
    for (const lib of libs) {
      await fs.mkdir(path.join(root, path.dirname(lib)), { recursive: true });
      await fs.copyFile(lib, path.join(root, lib));
    }
    await fs.writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0::/root:/sbin/nologin\napp:x:10001:10001::/tmp:/sbin/nologin\n');
    await fs.writeFile(path.join(root, 'etc/group'), 'root:x:0:\napp:x:10001:\n');
    for (const [target, source] of Object.entries(spec.folders))
      await fs.cp(source, path.join(root, target), { recursive: true, dereference: true });
    await fs.writeFile(path.join(dir, 'Containerfile'), containerfile);
    await run('podman', ['build', '-q', '-f', path.join(dir, 'Containerfile'), '-t', localTag, dir], { env, maxBuffer: 16 * 1024 * 1024 });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  return { localTag, built: true };
}

/** Pushes over plain HTTP (the loopback registry) and answers the pinned reference. */
export async function pushImage(
  localTag: string,
  registry: string,
  name: string,
  tag: string,
  podmanEnv: Record<string, string>,
  workDir: string,
): Promise<string> {
  const digestFile = path.join(workDir, `digest-${process.pid}-${Date.now()}`);
  const target = `${registry}/${name}:${tag}`;
  await run('podman', ['push', '-q', '--tls-verify=false', '--digestfile', digestFile, localTag, `docker://${target}`], {
    env: { ...process.env, ...podmanEnv },
    maxBuffer: 16 * 1024 * 1024,
  });
  const digest = (await fs.readFile(digestFile, 'utf8')).trim();
  await fs.rm(digestFile, { force: true });
  return `${registry}/${name}@${digest}`;
}

/** The dynamic loader and libraries node links against, from ldd (absolute paths only). */
async function nodeLibraries(): Promise<string[]> {
  const { stdout } = await run('ldd', [NODE]);
  const libs = new Set<string>();
  for (const match of stdout.matchAll(/(\/[^\s)]+)/g)) libs.add(match[1]);
  const real = await Promise.all(
    [...libs].map(async (lib) => ({
      lib,
      ok: await fs.stat(lib).then(
        () => true,
        () => false,
      ),
    })),
  );
  return real
    .filter((r) => r.ok)
    .map((r) => r.lib)
    .sort();
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else out.push(full);
  }
  return out.sort();
}
