import { RevisionStartError, type RevisionSpec } from '../../ports/compute';

/**
 * Image references the docker provider accepts: pinned by digest, so a retry, a rollback or a
 * new worker runs exactly the bytes the release recorded, whatever a tag says by then.
 */
const DIGEST_REF = /^([a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)@sha256:[0-9a-f]{64}$/;

export interface PinnedImage {
  ref: string;
  repository: string;
  /** The registry host (`host[:port]`) the reference names, or Docker Hub's when it names none. */
  registry: string;
}

/** null when the reference is not `repository@sha256:<64 hex>`. */
export function parsePinnedImage(ref: string): PinnedImage | null {
  const match = DIGEST_REF.exec(ref);
  if (!match) return null;
  const repository = match[1];
  const first = repository.split('/')[0];
  // Docker's rule: a first component with a dot or a port, or `localhost`, is a registry host.
  const named = repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return { ref, repository, registry: named ? first : 'docker.io' };
}

/** The spec's image, pinned; anything else is refused for good (no retry pins a tag). */
export function requirePinnedImage(spec: RevisionSpec): PinnedImage {
  if (spec.program.kind !== 'image') {
    throw new RevisionStartError(`${spec.key} runs an artifact: the docker provider runs images only; set SLIPWAY_COMPUTE=local`);
  }
  const image = parsePinnedImage(spec.program.image);
  if (!image) throw new RevisionStartError(`${spec.key}: image ${spec.program.image} is not pinned as repository@sha256:<64 hex digits>`);
  return image;
}
