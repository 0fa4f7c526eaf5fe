import { randomBytes } from 'node:crypto';
import { keyIdOf, SecretCipher, SecretKeyError } from '../../db/secretCipher';

const keyA = randomBytes(32);
const keyB = randomBytes(32);

test('seals to base64 ciphertext that opens again only in the same context', () => {
  const c = new SecretCipher(keyA);
  const sealed = c.seal('hunter2 ünïcode', 'd-1/API_KEY');
  expect(sealed.keyId).toBe(keyIdOf(keyA));
  expect(sealed.keyId).toMatch(/^[0-9a-f]{16}$/);
  expect(Buffer.from(sealed.value, 'base64').toString('latin1')).not.toContain('hunter2');
  expect(c.open(sealed, 'd-1/API_KEY')).toBe('hunter2 ünïcode');
  // Copied to another deployment's row, it does not open.
  expect(() => c.open(sealed, 'd-2/API_KEY')).toThrow(SecretKeyError);
});

test.each<[string, (v: string) => string]>([
  ['a flipped ciphertext byte', (v) => flip(v, 40)],
  ['a flipped tag byte', (v) => flip(v, 14)],
  ['a truncated value', (v) => v.slice(0, 20)],
])('%s fails authentication instead of decrypting to garbage', (_name, tamper) => {
  const c = new SecretCipher(keyA);
  const sealed = c.seal('a value long enough to have a body', 'ctx');
  expect(() => c.open({ ...sealed, value: tamper(sealed.value) }, 'ctx')).toThrow(/failed authentication/);
});

test('a key this process lacks is named by id with the fix; a previous key still opens', () => {
  const old = new SecretCipher(keyA).seal('v', 'ctx');
  expect(() => new SecretCipher(keyB).open(old, 'ctx')).toThrow(/key id [0-9a-f]{16}.*SLIPWAY_SECRET_KEY_PREVIOUS/);
  const rotated = new SecretCipher(keyB, [keyA]);
  expect(rotated.open(old, 'ctx')).toBe('v');
  expect(rotated.isCurrent(old.keyId)).toBe(false);
  expect(rotated.seal('v', 'ctx').keyId).toBe(keyIdOf(keyB));
  expect(() => new SecretCipher(randomBytes(16))).toThrow(/32 bytes/);
});

function flip(base64: string, byte: number): string {
  const raw = Buffer.from(base64, 'base64');
  raw[byte] ^= 0x01;
  return raw.toString('base64');
}
