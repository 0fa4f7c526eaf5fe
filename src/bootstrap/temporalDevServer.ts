import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from '../logger';
import { concretePort } from './freeTcpPort';
import { forEachLine, logServerLine } from './serverLog';

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
}

export interface TemporalDevServer {
  address: string;
  uiUrl?: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const TAIL_LINES = 30;

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
    ...(options.searchAttributes ?? []).flatMap((sa) => ['--search-attribute', sa]),
  ];
  const address = `${ip}:${port}`;
  logger.debug({ cliPath, args }, 'starting Temporal dev server');
  const started = Date.now();
  // Own process group, so a terminal's Ctrl-C does not stop it before the worker has drained.
  const child = spawn(cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });

  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  forEachLine(child.stdout, (line) => {
    remember(line);
    logger.debug({ source: 'temporal' }, line);
  });
  let stopping = false;
  forEachLine(child.stderr, (line) => {
    remember(line);
    // Shutdown is noisy (internal pollers lose their connection); that is expected, not a warning.
    logServerLine(logger, line, stopping);
  });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
  // If our process dies without calling stop(), do not leave an orphaned server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    stopping = true;
    process.removeListener('exit', killOnExit);
    // No pid: spawn itself failed and there will be no 'exit' event to wait for.
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const earlyExit = exited.then(({ code, signal }) => {
    throw new Error(`Temporal dev server exited before it was ready (code ${code}, signal ${signal}). Last output:\n${tail.join('\n')}`);
  });
  try {
    await Promise.race([waitUntilReady(address, namespace, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS), earlyExit, spawnFailed]);
  } catch (err) {
    await stop();
    throw err;
  }
  void exited.then(({ code, signal }) => {
    if (!stopping) logger.warn({ code, signal }, 'Temporal dev server exited');
  });
  logger.debug({ address, ms: Date.now() - started }, 'Temporal dev server ready');
  return {
    address,
    uiUrl: uiPort === undefined ? undefined : `http://${ip}:${uiPort}`,
    pid: child.pid,
    stop,
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
