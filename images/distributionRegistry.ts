import { parseImageRef, pinnedRef } from '../domain/imageRef';
import { ImageNotFoundError, InvalidImageReferenceError, type ImageRegistry, type ResolvedImage } from '../ports/imageRegistry';
import { bearerChallenge, fetchBearerToken } from './registryAuth';

/** Every manifest kind a registry may hold for an image; without them Distribution converts or refuses. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const REQUEST_TIMEOUT_MS = 10_000;

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface DistributionRegistryOptions {
  /** `http://127.0.0.1:5000` or `https://registry.example.com`. */
  url: string;
  credentials?: RegistryCredentials;
}

/**
 * The Distribution HTTP API over fetch. Credentials live only in this object's private fields:
 * they go into Authorization headers and nowhere else (no log line, no error message).
 */
export class DistributionRegistry implements ImageRegistry {
  readonly host: string;
  readonly #base: string;
  readonly #credentials?: RegistryCredentials;
  #bearer?: string;

  constructor(options: DistributionRegistryOptions) {
    const url = new URL(options.url);
    this.host = url.host;
    this.#base = `${url.protocol}//${url.host}`;
    this.#credentials = options.credentials;
  }

  async resolve(ref: string): Promise<ResolvedImage> {
    const { repository, reference } = this.#locate(ref);
    const res = await this.#request('HEAD', `/v2/${repository}/manifests/${reference}`, { accept: MANIFEST_ACCEPT });
    if (res.status === 404) throw new ImageNotFoundError(`image ${ref} not found in registry ${this.host}`);
    if (!res.ok) throw new Error(`registry ${this.host} answered ${res.status} for ${repository}:${reference}`);
    const digest = res.headers.get('docker-content-digest');
    if (!digest || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
      throw new Error(`registry ${this.host} gave no Docker-Content-Digest for ${repository}:${reference}`);
    }
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new Error(`registry ${this.host} answered digest ${digest} for ${repository}@${reference}`);
    }
    return {
      digestRef: pinnedRef(this.host, repository, digest),
      repository,
      digest,
      mediaType: res.headers.get('content-type') ?? 'application/octet-stream',
    };
  }

  async exists(digestRef: string): Promise<boolean> {
    const { repository, reference } = this.#locate(digestRef, true);
    const res = await this.#request('HEAD', `/v2/${repository}/manifests/${reference}`, { accept: MANIFEST_ACCEPT });
    if (res.status === 404) return false;
    if (res.ok) return true;
    throw new Error(`registry ${this.host} answered ${res.status} for ${repository}@${reference}`);
  }

  async remove(digestRef: string): Promise<void> {
    const { repository, reference } = this.#locate(digestRef, true);
    const res = await this.#request('DELETE', `/v2/${repository}/manifests/${reference}`, {});
    if (res.status === 404 || res.ok) return;
    throw new Error(`registry ${this.host} answered ${res.status} to deleting ${repository}@${reference}`);
  }

  #locate(ref: string, pinned = false): { repository: string; reference: string } {
    const parsed = parseImageRef(ref);
    if ('problem' in parsed) throw new InvalidImageReferenceError(`image "${ref}": ${parsed.problem}`);
    if (parsed.host && parsed.host !== this.host) {
      throw new InvalidImageReferenceError(`image "${ref}" names registry ${parsed.host}; images come from ${this.host}`);
    }
    if (pinned && !parsed.digest) throw new InvalidImageReferenceError(`image "${ref}" is not pinned by digest`);
    return { repository: parsed.repository, reference: parsed.digest ?? (parsed.tag as string) };
  }

  /** One request, answering a 401 challenge once (Basic, or a Bearer token from the realm). */
  async #request(method: string, path: string, headers: Record<string, string>): Promise<Response> {
    const send = (authorization?: string) =>
      fetch(`${this.#base}${path}`, {
        method,
        headers: authorization ? { ...headers, authorization } : headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    const first = await send(this.#authorization());
    if (first.status !== 401 || !this.#credentials) return first;
    await first.arrayBuffer().catch(() => undefined);
    const challenge = bearerChallenge(first.headers.get('www-authenticate'));
    if (challenge) this.#bearer = await fetchBearerToken(challenge, this.#credentials);
    return send(this.#authorization(challenge ? 'bearer' : 'basic'));
  }

  #authorization(kind?: 'basic' | 'bearer'): string | undefined {
    if (this.#bearer && kind !== 'basic') return `Bearer ${this.#bearer}`;
    if (!this.#credentials || kind === undefined) return undefined;
    const { username, password } = this.#credentials;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
}
