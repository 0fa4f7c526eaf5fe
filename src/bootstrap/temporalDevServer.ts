import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from '../logger';
import { concretePort } from './freeTcpPort';
import { logServerLine } from './serverLog';
import { startServerChild } from './serverChild';

/**
 * Runs `temporal server start-dev` ourselves rather than through `@temporalio/testing`,
 * whose 5 s readiness window is too short for cold starts on small machines and whose
 * teardown is a SIGKILL (TEMPORAL.md §0.5).
 */
export interface TemporalDevServerOptions {
  cliPath: string;
  /** SQLite file; its parent directory is created because the CLI requires it to exist. */
  dbFile: string;
  ip?: string;
  /** 0 picks a free port (the CLI needs a concrete number). */
  port: number;
  /** 0 picks a free port; ignored when headless. */
  uiPort?: number;
  headless?: boolean;
  namespace: string;
  logger: Logger;
  /** `Name=Type` pairs, e.g. `DeployState=Keyword`; only applied when the namespace is created. */
  searchAttributes?: string[];
  readyTimeoutMs?: number;
  /** `--sqlite-pragma` values; DEFAULT_SQLITE_PRAGMAS unless given (the bench compares others). */
  sqlitePragmas?: string[];
}

export interface TemporalDevServer {
  address: string;
  uiUrl?: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * SQLite's default rollback journal syncs the database and its journal on every commit; the
 * write-ahead log syncs once. Workflow starts took 19.5 ms p50 with the default and 7.3 ms
 * with these (`npm run bench:temporal-start`, BENCHMARKS.md). synchronous stays FULL: a commit
 * the server acknowledged survives a power cut, which NORMAL (4.6 ms) would not promise.
 */
export const DEFAULT_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=full'];
const DEFAULT_READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const { cliPath, dbFile, namespace, logger } = options;
  const ip = options.ip ?? '127.0.0.1';
  const port = await concretePort(options.port, ip);
  const uiPort = options.headless ? undefined : await concretePort(options.uiPort ?? port + 1000, ip);
  await fs.mkdir(path.dirname(path.resolve(dbFile)), { recursive: true });

  const args = [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--ip',
    ip,
    '--port',
    String(port),
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]),
    '--namespace',
    namespace,
    '--log-format',
    'json',
    '--log-level',
    'warn',
    // No internet here: the periodic version check would only fail and log.
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    ...(options.sqlitePragmas ?? DEFAULT_SQLITE_PRAGMAS).flatMap((p) => ['--sqlite-pragma', p]),
    ...(options.searchAttributes ?? []).flatMap((sa) => ['--search-attribute', sa]),
  ];
  const address = `${ip}:${port}`;
  logger.debug({ cliPath, args }, 'starting Temporal dev server');
  const started = Date.now();
  // Its own process group: a terminal's Ctrl-C must not stop it before the worker has drained.
  const child = startServerChild({
    what: 'Temporal dev server',
    command: cliPath,
    args,
    logger,
    stopGraceMs: STOP_GRACE_MS,
    onLine: (line, stream, stopping) => {
      if (stream === 'stdout') logger.debug({ source: 'temporal' }, line);
      // Shutdown is noisy (internal pollers lose their connection); that is expected, not a warning.
      else logServerLine(logger, line, stopping);
    },
  });
  await child.whenReady(waitUntilReady(address, namespace, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS));
  logger.debug({ address, ms: Date.now() - started }, 'Temporal dev server ready');
  return {
    address,
    uiUrl: uiPort === undefined ? undefined : `http://${ip}:${uiPort}`,
    pid: child.pid,
    stop: child.stop,
  };
}

/** Ready means: the frontend answers and the namespace exists (describeNamespace is cheap). */
async function waitUntilReady(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
  throw new Error(`Temporal dev server at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}
