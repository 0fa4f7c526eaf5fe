import { promises as fs } from 'node:fs';
import { singleLayerImage, sha256Digest } from './ociImage';
import { tarArchive } from './tarArchive';

/**
 * The pod sandbox ("pause") image of the real node, built here because nothing can be pulled
 * from registry.k8s.io: catatonit (a static init that Podman ships for the same job) in pause
 * mode, FROM scratch, written as an OCI image archive for `ctr images import`.
 */
export const CATATONIT = '/usr/bin/catatonit';

export interface PauseImage {
  /** The name containerd knows it by (its `sandbox_image`). */
  ref: string;
  archive: string;
}

export async function writePauseImageArchive(file: string): Promise<PauseImage> {
  const binary = await fs.readFile(CATATONIT);
  // -P: no child, wait for a signal; SIGINT is what ends that mode.
  const { layer, config, manifest } = singleLayerImage([{ name: 'pause', data: binary, mode: 0o755 }], {
    Entrypoint: ['/pause', '-P'],
    StopSignal: 'SIGINT',
  });
  // Named after its content, so a changed catatonit is a new image rather than a stale one.
  const ref = `localhost/slipway-pause:${sha256Digest(manifest).slice(7, 19)}`;
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sha256Digest(manifest),
          size: manifest.length,
          platform: { architecture: 'amd64', os: 'linux' },
          annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref.split(':')[1] },
        },
      ],
    }),
  );
  const blob = (data: Buffer) => ({ name: `blobs/sha256/${sha256Digest(data).slice(7)}`, data });
  const archive = tarArchive([
    { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: 'index.json', data: index },
    { name: 'blobs' },
    { name: 'blobs/sha256' },
    blob(layer),
    blob(config),
    blob(manifest),
  ]);
  await fs.writeFile(file, archive);
  return { ref, archive: file };
}
