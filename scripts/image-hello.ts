import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { loadConfig } from '../src/config';
import { dataPaths } from '../src/dataPaths';
import { podmanEnv, podmanPaths, writePodmanConfig } from '../src/bootstrap/podmanConfig';
import { buildNodeImage, pushImage } from '../tests/helpers/nodeImage';

/**
 * `npm run image:hello -- <registry host:port> [tag]`: builds examples/hello-app as an image FROM
 * scratch in the engine `npm start` runs (SLIPWAY_COMPUTE=docker) and pushes it as `hello:<tag>`.
 * Prints the reference a release names; the release pins it to its digest.
 */
async function main(): Promise<void> {
  const [registry, tag = 'v1'] = process.argv.slice(2);
  if (!registry || !/^[\w.-]+:\d+$/.test(registry)) {
    throw new Error(
      'usage: npm run image:hello -- <registry host:port> [tag]   (the "Registry" line that `npm start` printed, without http://)',
    );
  }
  const paths = podmanPaths(dataPaths(loadConfig().dataDir).containers);
  // With SLIPWAY_COMPUTE=kubernetes no engine ran here to write podman's config; the build needs it.
  if (!(await fs.stat(paths.containersConf).catch(() => null))) await writePodmanConfig(paths, [registry]);
  const env = podmanEnv(paths);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-image-'));
  try {
    const { localTag, built } = await buildNodeImage(
      {
        name: 'slipway/hello',
        folders: { app: path.resolve(__dirname, '../examples/hello-app') },
        entrypoint: ['/usr/bin/node', '/app/server.js'],
        // One image per tag: a bump to another tag is a real image change (another digest).
        env: { HELLO_IMAGE_TAG: tag },
      },
      env,
      work,
    );
    process.stderr.write(`${built ? 'built' : 'already built'} ${localTag}\n`);
    const pinned = await pushImage(localTag, registry, 'hello', tag, env, work);
    process.stdout.write(`${registry}/hello:${tag}\n${pinned}\n`);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`image:hello: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
