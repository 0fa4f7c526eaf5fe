import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { gzipSync } from 'node:zlib';
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

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export async function writePauseImageArchive(file: string): Promise<PauseImage> {
  const binary = await fs.readFile(CATATONIT);
  const layerTar = tarArchive([{ name: 'pause', data: binary, mode: 0o755 }]);
  const layer = gzipSync(layerTar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      // -P: no child, wait for a signal; SIGINT is what ends that mode.
      config: { Entrypoint: ['/pause', '-P'], StopSignal: 'SIGINT' },
      rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
    }),
  );
  // Named after its content, so a changed catatonit is a new image rather than a stale one.
  const ref = `localhost/slipway-pause:${sha256(manifest).slice(7, 19)}`;
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sha256(manifest),
          size: manifest.length,
          platform: { architecture: 'amd64', os: 'linux' },
          annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref.split(':')[1] },
        },
      ],
    }),
  );
  const blob = (data: Buffer) => ({ name: `blobs/sha256/${sha256(data).slice(7)}`, data });
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
