import { createHmac, timingSafeEqual } from 'node:crypto';

/** GitHub's `X-Hub-Signature-256` scheme: `sha256=` and the hex HMAC-SHA256 of the raw body. */
export const SIGNATURE_PREFIX = 'sha256=';

export function signBody(secret: string, body: Buffer | string): string {
  return SIGNATURE_PREFIX + createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Constant time over the digest: the expected and presented values are compared as
 * equal-length buffers, so a guess learns nothing from how long the comparison took.
 * Anything that is not `sha256=` and 64 hex digits is simply wrong.
 */
export function signatureMatches(secret: string, body: Buffer, presented: string | undefined): boolean {
  if (!presented || !/^sha256=[0-9a-fA-F]{64}$/.test(presented)) return false;
  const expected = Buffer.from(signBody(secret, body).slice(SIGNATURE_PREFIX.length), 'hex');
  const given = Buffer.from(presented.slice(SIGNATURE_PREFIX.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
