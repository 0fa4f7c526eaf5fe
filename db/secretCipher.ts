import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A secret value that cannot be read with the keys this process has; never "decrypted" to garbage. */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

export interface Sealed {
  /** base64 of iv ‖ tag ‖ ciphertext */
  value: string;
  keyId: string;
}

/**
 * AES-256-GCM for secret env values. Each value is bound to its row (`context`, e.g.
 * deployment id and key) as associated data, so a ciphertext copied to another row does
 * not decrypt there. The key id (a hash of the key, not the key) is stored beside each
 * value, which is what lets an old key stay readable while values move to a new one.
 */
export class SecretCipher {
  readonly keyId: string;
  private readonly keys: Map<string, Buffer>;

  constructor(current: Buffer, previous: Buffer[] = []) {
    for (const k of [current, ...previous]) if (k.length !== 32) throw new Error('secret keys must be 32 bytes (AES-256)');
    this.keyId = keyIdOf(current);
    this.keys = new Map([...previous.map((k) => [keyIdOf(k), k] as const), [this.keyId, current]]);
  }

  seal(plaintext: string, context: string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { value: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'), keyId: this.keyId };
  }

  open(sealed: Sealed, context: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) {
      throw new SecretKeyError(
        `a secret value (${context}) is encrypted with key id ${sealed.keyId}, but this process has ${[...this.keys.keys()].join(', ')}: ` +
          'set SLIPWAY_SECRET_KEY (or SLIPWAY_SECRET_KEY_PREVIOUS during a rotation) to the key it was written with',
      );
    }
    const raw = Buffer.from(sealed.value, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(`a secret value (${context}) failed authentication under key id ${sealed.keyId}: it was altered or moved`);
    }
  }

  /** Whether a stored value must be re-encrypted to be under the current key. */
  isCurrent(keyId: string | null): boolean {
    return keyId === this.keyId;
  }
}

/** Public, stable name of a key: 16 hex digits of a domain-separated sha256. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('slipway secret key id\0').update(key).digest('hex').slice(0, 16);
}
