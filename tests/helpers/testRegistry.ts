import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { findOnPath, isExecutable, runStreaming, withBuildLock } from '../../src/bootstrap/buildTools';
import { defaultCacheDir } from '../../src/bootstrap/temporalCli';
import type { Logger } from '../../src/logger';
import { getFreePort } from '../../compute/local/freePort';

/**
 * A real CNCF distribution registry on a free loopback port, for the container suites (CONTAINERS.md §5).
 * Built once into the cache with `go install`, like the Temporal server.
 */
export const REGISTRY_VERSION = 'v3.1.2';

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the host part of image references. */
  host: string;
  stop(): Promise<void>;
}

export async function ensureRegistryBinary(logger: Logger): Promise<string> {
  const cacheDir = defaultCacheDir(process.env);
  const dir = path.join(cacheDir, `registry-${REGISTRY_VERSION}`);
  const binary = path.join(dir, 'registry');
  if (await isExecutable(binary)) return binary;
  await withBuildLock(path.join(cacheDir, 'registry.lock'), logger, async () => {
    if (await isExecutable(binary)) return;
    const go = await findOnPath('go', process.env);
    if (!go)
      throw new Error(
        `the container tests need the distribution registry ${REGISTRY_VERSION}: nothing in ${dir} and no \`go\` on PATH to build it; install Go, or put a registry binary there`,
      );
    const partial = `${dir}.partial-${process.pid}`;
    await fs.rm(partial, { recursive: true, force: true });
    await fs.mkdir(partial, { recursive: true });
    const env = { ...process.env, GOBIN: partial, CGO_ENABLED: '0' };
    const result = await runStreaming(
      go,
      ['install', '-trimpath', '-ldflags=-s -w', `github.com/distribution/distribution/v3/cmd/registry@${REGISTRY_VERSION}`],
      env,
      logger,
    );
    if (result.code !== 0) throw new Error(`building the registry failed:\n${result.tail.join('\n')}`);
    await fs.rename(partial, dir);
  });
  return binary;
}

export async function startTestRegistry(dir: string, logger: Logger): Promise<TestRegistry> {
  const binary = await ensureRegistryBinary(logger);
  const port = await getFreePort();
  await fs.mkdir(path.join(dir, 'blobs'), { recursive: true });
  const config = path.join(dir, 'registry.yml');
  await fs.writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'blobs')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: slipway-test-only',
      '',
    ].join('\n'),
  );
  const out = await fs.open(path.join(dir, 'registry.log'), 'a');
  const child: ChildProcess = spawn(binary, ['serve', config], { stdio: ['ignore', out.fd, out.fd] });
  await out.close();
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`http://${host}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the test registry did not answer on ${host}; see ${path.join(dir, 'registry.log')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
