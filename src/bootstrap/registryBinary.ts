import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';
import { findOnPath, isChecksumDbError, isExecutable, runStreaming, withBuildLock } from './buildTools';
import { defaultCacheDir } from './temporalCli';

/**
 * The CNCF distribution registry (CONTAINERS.md §1, §5). No package registry ships its binary,
 * so it is built once from Go modules into the shared cache; a warm GOMODCACHE makes that ~2.5 min.
 */
export const REGISTRY_VERSION = 'v3.1.2';
const MODULE = `github.com/distribution/distribution/v3/cmd/registry@${REGISTRY_VERSION}`;

const FIX = [
  'To fix, do one of:',
  '  - install Go >= 1.25 from the official tarball into /usr/local/go and put /usr/local/go/bin on PATH;',
  '    Slipway then builds the registry once (about 2-8 minutes on 2 cores);',
  `  - or build it yourself: CGO_ENABLED=0 go install -trimpath -ldflags='-s -w' ${MODULE}`,
  '    and set SLIPWAY_REGISTRY_BIN=/path/to/registry;',
  '  - or set SLIPWAY_REGISTRY=http://host:port to use a registry that already runs.',
].join('\n');

export class RegistryUnavailableError extends Error {
  override name = 'RegistryUnavailableError';
}

export interface EnsureRegistryOptions {
  logger: Logger;
  /** Defaults to `${XDG_CACHE_HOME:-~/.cache}/slipway`. */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
}

export function registryBinaryPath(cacheDir: string): string {
  return path.join(cacheDir, `registry-${REGISTRY_VERSION}`, 'registry');
}

/** SLIPWAY_REGISTRY_BIN, else the cached build, else a build now. */
export async function ensureRegistryBinary(options: EnsureRegistryOptions): Promise<string> {
  const { logger } = options;
  const env = options.env ?? process.env;
  if (env.SLIPWAY_REGISTRY_BIN) {
    if (!(await isExecutable(env.SLIPWAY_REGISTRY_BIN))) {
      throw new RegistryUnavailableError(`SLIPWAY_REGISTRY_BIN=${env.SLIPWAY_REGISTRY_BIN} is not an executable file.\n${FIX}`);
    }
    return env.SLIPWAY_REGISTRY_BIN;
  }
  const cacheDir = options.cacheDir ?? defaultCacheDir(env);
  const binary = registryBinaryPath(cacheDir);
  if (await isExecutable(binary)) return binary;

  await withBuildLock(`${cacheDir}/registry.lock`, logger, async () => {
    if (await isExecutable(binary)) return; // built by another process while we waited
    const go = await findOnPath('go', env);
    if (!go)
      throw new RegistryUnavailableError(
        `The OCI registry ${REGISTRY_VERSION} is not in ${path.dirname(binary)} and \`go\` is not on PATH to build it.\n${FIX}`,
      );
    await build(go, path.dirname(binary), env, logger);
  });
  return binary;
}

/** Builds into a private directory, then renames the whole directory into place: readers never see half a binary. */
async function build(go: string, binDir: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<void> {
  const partial = `${binDir}.partial-${process.pid}`;
  await fs.rm(partial, { recursive: true, force: true });
  await fs.mkdir(partial, { recursive: true });
  logger.info(`Building the OCI registry ${REGISTRY_VERSION} with go (once; this takes a few minutes)…`);
  const started = Date.now();
  const goEnv = { ...env, GOBIN: partial, CGO_ENABLED: '0' };
  const args = ['install', '-trimpath', '-ldflags=-s -w', MODULE];
  try {
    let result = await runStreaming(go, args, goEnv, logger);
    if (result.code !== 0 && isChecksumDbError(result.tail)) {
      logger.warn('the Go checksum database is unreachable; retrying the registry build with GOSUMDB=off');
      result = await runStreaming(go, args, { ...goEnv, GOSUMDB: 'off' }, logger);
    }
    if (result.code !== 0) {
      throw new RegistryUnavailableError(
        `Building the OCI registry failed (go install exited with ${result.code}). Last output:\n${result.tail.join('\n')}\n${FIX}`,
      );
    }
    await fs.rm(binDir, { recursive: true, force: true });
    await fs.rename(partial, binDir);
    logger.info({ seconds: Math.round((Date.now() - started) / 1000) }, 'built the OCI registry');
  } finally {
    await fs.rm(partial, { recursive: true, force: true });
  }
}
