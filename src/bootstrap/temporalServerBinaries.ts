import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';
import { findOnPath, isChecksumDbError, isExecutable, runStreaming, withBuildLock } from './buildTools';
import { defaultCacheDir } from './temporalCli';

/**
 * The real Temporal server and its SQL schema tool, built once with `go install` into the cache
 * (TEMPORAL-SERVER.md §2). No official binary of the server ships on a package registry, so Go it is;
 * 1.32.0 is the server the CLI 1.9.1 embeds, so the dev server and the real one run the same code.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.32.0';
const MODULES = [
  `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`,
  `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
];

const FIX = [
  'To fix, do one of:',
  "  - install Go >= 1.26.8 (the server's go.mod asks for it) from the official tarball into /usr/local/go,",
  '    put /usr/local/go/bin on PATH and rerun; Slipway builds the server once (about 6-12 minutes on 2 cores);',
  '  - or leave SLIPWAY_TEMPORAL unset (dev server) or set TEMPORAL_ADDRESS=host:port to use an existing Temporal.',
].join('\n');

export class TemporalServerUnavailableError extends Error {
  override name = 'TemporalServerUnavailableError';
}

export interface TemporalServerBinaries {
  /** go.temporal.io/server/cmd/server */
  server: string;
  /** go.temporal.io/server/cmd/tools/sql (temporal-sql-tool) */
  sqlTool: string;
}

export interface EnsureTemporalServerOptions {
  logger: Logger;
  /** Defaults to `${XDG_CACHE_HOME:-~/.cache}/slipway`. */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
}

export function temporalServerBinaryDir(cacheDir: string): string {
  return path.join(cacheDir, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

export async function ensureTemporalServerBinaries(options: EnsureTemporalServerOptions): Promise<TemporalServerBinaries> {
  const { logger } = options;
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? defaultCacheDir(env);
  const binDir = temporalServerBinaryDir(cacheDir);
  // `go install` names them `server` and `sql`; too generic for PATH, so they stay in their own directory.
  const binaries = { server: path.join(binDir, 'server'), sqlTool: path.join(binDir, 'sql') };
  const present = async () => (await isExecutable(binaries.server)) && (await isExecutable(binaries.sqlTool));
  if (await present()) return binaries;

  await withBuildLock(`${cacheDir}/temporal-server.lock`, logger, async () => {
    if (await present()) return; // another process finished the build while we waited
    const go = await findOnPath('go', env);
    if (!go) {
      throw new TemporalServerUnavailableError(
        `SLIPWAY_TEMPORAL=server needs the Temporal server ${TEMPORAL_SERVER_VERSION}: nothing in ${binDir} and \`go\` is not on PATH to build it.\n${FIX}`,
      );
    }
    await build(go, binDir, env, logger);
  });
  return binaries;
}

/** Builds into a private directory and renames into place, so readers never see half a binary. */
async function build(go: string, binDir: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<void> {
  const partial = `${binDir}.partial-${process.pid}`;
  await fs.mkdir(partial, { recursive: true });
  logger.info(`Building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with go (once; this takes several minutes)…`);
  const started = Date.now();
  // -mod=mod: the server module has no vendor dir; CGO off gives static binaries (TEMPORAL-SERVER.md §2).
  const goEnv = { ...env, GOBIN: partial, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
  const args = ['install', '-ldflags=-s -w', ...MODULES];
  try {
    let result = await runStreaming(go, args, goEnv, logger);
    if (result.code !== 0 && isChecksumDbError(result.tail)) {
      logger.warn('the Go checksum database is unreachable; retrying the Temporal server build with GOSUMDB=off');
      result = await runStreaming(go, args, { ...goEnv, GOSUMDB: 'off' }, logger);
    }
    if (result.code !== 0) {
      throw new TemporalServerUnavailableError(
        `Building the Temporal server failed (go install exited with ${result.code}). Last output:\n${result.tail.join('\n')}\n${FIX}`,
      );
    }
    await fs.mkdir(binDir, { recursive: true });
    // sql first: `present()` checks both, and the server binary appearing last marks the build complete.
    await fs.rename(path.join(partial, 'sql'), path.join(binDir, 'sql'));
    await fs.rename(path.join(partial, 'server'), path.join(binDir, 'server'));
    logger.info({ seconds: Math.round((Date.now() - started) / 1000) }, 'built the Temporal server');
  } finally {
    await fs.rm(partial, { recursive: true, force: true });
  }
}
