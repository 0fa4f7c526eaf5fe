import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { tarArchive, type TarEntry } from './tarArchive';

export const sha256Digest = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export interface SingleLayerImage {
  layer: Buffer;
  config: Buffer;
  manifest: Buffer;
}

/**
 * An OCI image of one gzipped tar layer holding `files`, for linux/amd64, built without an
 * engine: the pause image the real Kubernetes node imports, and the small images registry
 * tests push.
 */
export function singleLayerImage(files: TarEntry[], runConfig: Record<string, unknown>): SingleLayerImage {
  const tar = tarArchive(files);
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: runConfig, rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] } }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256Digest(layer), size: layer.length }],
    }),
  );
  return { layer, config, manifest };
}
