import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** Short, DNS-safe ids: a deployment id is also its hostname label. */
export type IdPrefix = 'd' | 'op' | 'sub' | 'evt';

export function newId(prefix: IdPrefix, length = 10): string {
  const bytes = randomBytes(length);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return `${prefix}-${s}`;
}

/**
 * The same id every time for the same seed: a request repeated with its Idempotency-Key
 * after a crash finds the deployment or operation the first attempt created.
 */
export function derivedId(prefix: IdPrefix, length: number, seed: string): string {
  const bytes = createHash('sha256').update(seed).digest();
  let s = '';
  for (const b of bytes.subarray(0, length)) s += ALPHABET[b % ALPHABET.length];
  return `${prefix}-${s}`;
}
