import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalRegistry, type LocalRegistry } from '../../src/bootstrap/registry';
import { ensureRegistryBinary } from '../../src/bootstrap/registryBinary';
import { createLogger } from '../../src/logger';
import { sha256Digest, singleLayerImage } from '../../src/bootstrap/ociImage';

/**
 * A real distribution registry per test file, and pushes of small real OCI images over its HTTP
 * API (blob uploads + manifest PUT), so registry tests need no container engine. The images are
 * valid (config + one gzipped tar layer) but hold only a text file: runnable ones come from podman.
 */
export interface TestRegistry extends LocalRegistry {
  dir: string;
  /** Pushes a fresh image under `repository:tag` and returns its manifest digest. */
  push(repository: string, tag: string, content?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestRegistry(): Promise<TestRegistry> {
  const logger = createLogger('test-registry', process.env.SLIPWAY_TEST_LOG_LEVEL ?? 'warn');
  const binary = await ensureRegistryBinary({ logger });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-registry-'));
  const registry = await startLocalRegistry({ binary, dataDir: dir, logger });
  return {
    ...registry,
    dir,
    push: (repository, tag, content) =>
      pushImage(registry.url, repository, tag, content ?? `${repository}:${tag} ${Date.now()} ${Math.random()}`),
    async close() {
      await registry.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export async function pushImage(registryUrl: string, repository: string, tag: string, content: string): Promise<string> {
  const { layer, config, manifest } = singleLayerImage([{ name: 'hello.txt', data: Buffer.from(`${content}\n`) }], {
    Entrypoint: ['/bin/true'],
  });
  await pushBlob(registryUrl, repository, layer);
  await pushBlob(registryUrl, repository, config);
  const res = await fetch(`${registryUrl}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  if (res.status !== 201) throw new Error(`manifest PUT answered ${res.status}: ${await res.text()}`);
  return sha256Digest(manifest);
}

async function pushBlob(registryUrl: string, repository: string, blob: Buffer): Promise<void> {
  const start = await fetch(`${registryUrl}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`blob upload start answered ${start.status}`);
  const location = new URL(start.headers.get('location') as string, registryUrl);
  location.searchParams.set('digest', sha256Digest(blob));
  const put = await fetch(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: blob });
  if (put.status !== 201) throw new Error(`blob PUT answered ${put.status}: ${await put.text()}`);
}
