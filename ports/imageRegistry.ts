/**
 * What the API and activities need from an OCI registry. References are `[host/]name:tag` or
 * `[host/]name@sha256:…`; a reference without a host means the configured registry.
 */
export interface ResolvedImage {
  /** `host:port/name@sha256:…`: what a release stores and a provider pulls. */
  digestRef: string;
  repository: string;
  digest: string;
  /** The manifest's media type (OCI index or image manifest, Docker v2 list or manifest). */
  mediaType: string;
}

export interface ImageRegistry {
  /** `host:port` of the registry, the host part of every pinned reference. */
  readonly host: string;
  /** A tag to the digest its manifest has now; a digest reference is checked and returned as is. */
  resolve(ref: string): Promise<ResolvedImage>;
  /** Whether the registry still holds the manifest a pinned reference names. */
  exists(digestRef: string): Promise<boolean>;
  /** Deletes the manifest (and with it every tag on it). Gone already is fine. */
  remove(digestRef: string): Promise<void>;
}

/** The text is not an image reference, or names another registry. No retry can fix it. */
export class InvalidImageReferenceError extends Error {
  override readonly name = 'InvalidImageReferenceError';
}

/** The registry answered 404 for the tag or digest. */
export class ImageNotFoundError extends Error {
  override readonly name = 'ImageNotFoundError';
}
