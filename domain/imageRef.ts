/**
 * OCI image references, the subset of the distribution grammar Slipway accepts:
 * `[host[:port]/]path[:tag][@sha256:<64 hex>]`. Pure, so the API, the manifest schema and the
 * registry client agree on what a reference means.
 */
export interface ImageRef {
  /** Registry host (`127.0.0.1:5000`), absent when the reference names none. */
  host?: string;
  /** Repository path inside the registry, e.g. `acme/web`. */
  repository: string;
  tag?: string;
  /** `sha256:…`; when present it wins over the tag. */
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST = /^(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$/;
const MAX_LENGTH = 512;

/** The reason a reference is unusable, or null. */
export function imageRefProblem(text: string): string | null {
  const parsed = parseImageRef(text);
  return 'problem' in parsed ? parsed.problem : null;
}

export function parseImageRef(text: string): ImageRef | { problem: string } {
  if (text.length === 0 || text.length > MAX_LENGTH) return { problem: `must be 1-${MAX_LENGTH} characters` };
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { problem: 'the digest after @ must be sha256: and 64 lower-case hex digits' };
  }
  let host: string | undefined;
  const slash = rest.indexOf('/');
  // Like Docker: the first component is a host when it has a dot or a port, or is localhost.
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      if (!HOST.test(first)) return { problem: `"${first}" is not a registry host[:port]` };
      host = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return { problem: 'the tag must be letters, digits, _ . - (at most 128, not starting with . or -)' };
  }
  if (!rest) return { problem: 'must name a repository, e.g. acme/web:1.0' };
  if (!rest.split('/').every((c) => COMPONENT.test(c))) {
    return { problem: 'the repository must be lower-case path components (letters, digits, . _ -) separated by /' };
  }
  if (!tag && !digest) return { problem: 'must name a tag (name:tag) or a digest (name@sha256:…)' };
  return { host, repository: rest, tag, digest };
}

/** `host/repository@digest`: the pinned form a release stores and a provider pulls. */
export function pinnedRef(host: string, repository: string, digest: string): string {
  return `${host}/${repository}@${digest}`;
}

export function isPinned(text: string): boolean {
  const parsed = parseImageRef(text);
  return !('problem' in parsed) && parsed.digest !== undefined && parsed.host !== undefined;
}
