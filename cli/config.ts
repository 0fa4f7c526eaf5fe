import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from './errors';

export const DEFAULT_URL = 'http://localhost:3000';
/** Where `npm start` writes the first admin token (src/adminToken.ts), relative to the data dir. */
export const ADMIN_TOKEN_FILE = 'admin-token';

const EnvSchema = z.object({
  SLIPWAY_URL: z.string().url('SLIPWAY_URL must be a URL like http://localhost:3000').default(DEFAULT_URL),
  SLIPWAY_TOKEN: z.string().trim().min(1).optional().catch(undefined),
  SLIPWAY_DATA_DIR: z.string().min(1).default('.slipway'),
});

export interface CliConfig {
  baseUrl: string;
  token?: string;
  /** Where the token came from, for error messages. */
  tokenSource: '--token' | 'SLIPWAY_TOKEN' | 'file' | 'none';
  tokenFile: string;
}

/** Parses the environment and the global flags once; every command gets the result. */
export function loadCliConfig(env: NodeJS.ProcessEnv, flags: { token?: string; url?: string }): CliConfig {
  const parsed = EnvSchema.safeParse({ ...env, ...(flags.url !== undefined ? { SLIPWAY_URL: flags.url } : {}) });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  const e = parsed.data;
  const tokenFile = path.join(e.SLIPWAY_DATA_DIR, ADMIN_TOKEN_FILE);
  const baseUrl = e.SLIPWAY_URL.replace(/\/+$/, '');
  if (flags.token) return { baseUrl, token: flags.token, tokenSource: '--token', tokenFile };
  if (e.SLIPWAY_TOKEN) return { baseUrl, token: e.SLIPWAY_TOKEN, tokenSource: 'SLIPWAY_TOKEN', tokenFile };
  const fromFile = readTokenFile(tokenFile);
  if (fromFile) return { baseUrl, token: fromFile, tokenSource: 'file', tokenFile };
  return { baseUrl, tokenSource: 'none', tokenFile };
}

function readTokenFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
