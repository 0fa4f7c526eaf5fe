import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { defaultCacheDir } from '../../src/bootstrap/temporalCli';
import { podmanEnv } from '../../src/bootstrap/podmanConfig';
import { startPodmanEngine, type PodmanEngine } from '../../src/bootstrap/podmanService';
import type { Logger } from '../../src/logger';
import { LABELS } from '../../compute/docker/containerSpec';
import { buildNodeImage, pushImage } from './nodeImage';
import { startTestRegistry, type TestRegistry } from './ociRegistry';

const REPO = path.resolve(__dirname, '../..');

/** A real engine (Podman's API service), a real registry, and the test app image pushed to it. */
export interface ContainerStack {
  engine: PodmanEngine;
  docker: Docker;
  registry: TestRegistry;
  /** `registry/slipway-test/apps@sha256:…`: hello-app at /app, the hostile probe at /probe. */
  appImage: string;
  /** Scratch space of this stack (image build context, digest files). */
  workDir: string;
  close(): Promise<void>;
}

/** Commands of the test image's two programs. */
export const HELLO_COMMAND = ['/usr/bin/node', '/app/server.js'];
export const PROBE_COMMAND = ['/usr/bin/node', '/probe/probe.js'];

/**
 * Image storage lives in the cache, per checkout, so the image is built once per content hash and
 * later suites only push it. Every container a suite made is removed on close, running or not.
 */
export async function startContainerStack(logger: Logger): Promise<ContainerStack> {
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-containers-'));
  const engineDir = path.join(
    defaultCacheDir(process.env),
    `test-containers-${createHash('sha256').update(REPO).digest('hex').slice(0, 10)}`,
  );
  const registry = await startTestRegistry();
  let engine: PodmanEngine | undefined;
  try {
    engine = await startPodmanEngine({ dataDir: engineDir, insecureRegistries: [registry.host], logger });
    const env = podmanEnv(engine.paths);
    const { localTag } = await buildNodeImage(
      {
        name: 'slipway-test/apps',
        folders: { app: path.join(REPO, 'examples/hello-app'), probe: path.join(REPO, 'tests/fixtures/container-probe') },
        entrypoint: HELLO_COMMAND,
      },
      env,
      workDir,
    );
    const appImage = await pushImage(localTag, registry.host, 'slipway-test/apps', 'v1', env, workDir);
    const started = engine;
    return {
      engine: started,
      docker: started.docker,
      registry,
      appImage,
      workDir,
      async close() {
        await removeManagedContainers(started.docker);
        await started.stop();
        await registry.close();
        await fs.rm(workDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await engine?.stop();
    await registry.close();
    throw err;
  }
}

export async function removeManagedContainers(docker: Docker): Promise<void> {
  const all = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=true`] } });
  await Promise.all(
    all.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
}

/** Drops the pulled copy of an image so the next start must pull it from the registry again. */
export async function forgetImage(docker: Docker, ref: string): Promise<void> {
  // By id: the image also carries its local build tag, and removing one name of several only untags it.
  const id = await docker
    .getImage(ref)
    .inspect()
    .then((i) => i.Id)
    .catch(() => null);
  if (id) await docker.getImage(id).remove({ force: true });
  if (
    await docker
      .getImage(ref)
      .inspect()
      .then(() => true)
      .catch(() => false)
  )
    throw new Error(`the engine still has ${ref} after removing image ${id}`);
}
