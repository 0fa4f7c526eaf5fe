import { SecretCipher } from '../db/secretCipher';
import { parseSecretKey, type Config } from './config';
import { dataPaths } from './dataPaths';
import { ensureSecretFile } from './secretFile';

/**
 * The key for secret env values: SLIPWAY_SECRET_KEY if set, else the 0600 key file in the
 * data directory (made at first start). SLIPWAY_SECRET_KEY_PREVIOUS stays readable while the
 * worker moves values to the current key (README "Security").
 */
export async function loadSecretCipher(config: Pick<Config, 'dataDir' | 'secretKey' | 'secretKeyPrevious'>): Promise<SecretCipher> {
  let key = config.secretKey;
  if (!key) {
    const file = dataPaths(config.dataDir).secretKey;
    key = parseSecretKey(await ensureSecretFile(file)) ?? undefined;
    if (!key) throw new Error(`${file} does not hold a 32-byte key (base64 or hex); restore it, or set SLIPWAY_SECRET_KEY`);
  }
  return new SecretCipher(key, config.secretKeyPrevious ? [config.secretKeyPrevious] : []);
}
