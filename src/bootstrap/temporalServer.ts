import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { DEFAULTS } from '../config';
import type { Logger } from '../logger';
import { getFreePort } from '../../compute/local/freePort';
import { concretePort, freeTcpPortIn } from './freeTcpPort';
import { forEachLine, logServerLine } from './serverLog';
import { setUpTemporalSchema } from './temporalSchema';
import type { TemporalServerBinaries } from './temporalServerBinaries';
import { temporalDynamicConfig, temporalServerConfig, type TemporalSqlTarget } from './temporalServerConfig';

/**
 * `SLIPWAY_TEMPORAL=server`: a real Temporal server (all four services in one process) on
 * Postgres instead of the dev server. Schema set up on every start, config written from here,
 * the namespace registered, and the process restarted with backoff if it dies.
 */
export interface TemporalServerOptions {
  binaries: TemporalServerBinaries;
  /** Any URL on the Postgres server to use; its user needs CREATEDB. Only host, port, user and password are read. */
  postgresUrl: string;
  /** Where the config files live. */
  dir: string;
  /** Frontend gRPC port; 0 picks a free one. */
  port: number;
  namespace: string;
  logger: Logger;
  ip?: string;
  /** Default `temporal`; visibility gets `<name>_visibility`. Two servers on one Postgres need different names. */
  databaseName?: string;
  historyShards?: number;
  readyTimeoutMs?: number;
}

export interface TemporalServer {
  address: string;
  pid(): number | undefined;
  stop(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 15_000;
const RETENTION = '72h';
const MAX_RESTART_BACKOFF_MS = 30_000;
const GRPC_ALREADY_EXISTS = 6;
const GRPC_NOT_FOUND = 5;
/** Membership drops a previous run's hosts after their heartbeats expire (tens of seconds). */
const HISTORY_READY_TIMEOUT_MS = 120_000;
/** cluster_membership.rpc_port is a smallint: above 32767 the server dies with "out of range for type smallint". */
const MEMBERSHIP_PORTS = { min: 20_000, max: 32_767 };
/** Logged as errors at every start and stop of a healthy server (TEMPORAL-SERVER.md §5). */
const BENIGN = [/Queue reader unable to retrieve tasks/, /Not enough hosts/, /unable to retrieve tasks/];

export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  const { binaries, logger, namespace } = options;
  const ip = options.ip ?? '127.0.0.1';
  const sql = sqlTarget(options.postgresUrl, options.databaseName ?? 'temporal');
  await setUpTemporalSchema(binaries.sqlTool, sql, logger);

  const frontend = await concretePort(options.port, ip);
  const [frontendHttp, history, matching, worker] = await Promise.all(Array.from({ length: 4 }, () => getFreePort(ip)));
  const membership: number[] = [];
  // Sequential, so the four never pick the same port.
  while (membership.length < 4) {
    const port = await freeTcpPortIn(MEMBERSHIP_PORTS.min, MEMBERSHIP_PORTS.max, ip);
    if (!membership.includes(port)) membership.push(port);
  }
  await fs.mkdir(options.dir, { recursive: true });
  const dynamicConfigFile = path.join(options.dir, 'dynamicconfig.yaml');
  const configFile = path.join(options.dir, 'temporal.yaml');
  const config = temporalServerConfig({
    sql,
    ip,
    historyShards: options.historyShards ?? DEFAULTS.temporalHistoryShards,
    dynamicConfigFile,
    ports: { frontend, frontendHttp, history, matching, worker, membership: membership as [number, number, number, number] },
  });
  await fs.writeFile(dynamicConfigFile, JSON.stringify(temporalDynamicConfig(), null, 2));
  // It holds the database password: owner-only.
  await fs.writeFile(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  await fs.chmod(configFile, 0o600);

  const address = `${ip}:${frontend}`;
  let child: ChildProcess | undefined;
  let stopping = false;
  let failures = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let exited: Promise<void> = Promise.resolve();
  let ready = false;
  let failStart: (err: Error) => void = () => undefined;
  const diedBeforeReady = new Promise<never>((_, reject) => (failStart = reject));
  diedBeforeReady.catch(() => undefined);
  const tail: string[] = [];

  const launch = () => {
    const startedAt = Date.now();
    // Own process group, so a terminal's Ctrl-C does not stop it before the workers have drained.
    const current = spawn(binaries.server, ['--config-file', configFile, '--allow-no-auth', 'start'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child = current;
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      logServerLine(logger, line, stopping || BENIGN.some((re) => re.test(line)));
    };
    forEachLine(current.stdout!, onLine);
    forEachLine(current.stderr!, onLine);
    exited = new Promise<void>((resolve) => {
      current.once('exit', (code, signal) => {
        if (child === current) child = undefined;
        resolve();
        if (stopping) return;
        if (!ready) {
          failStart(
            new Error(`Temporal server exited before it was ready (code ${code}, signal ${signal}). Last output:\n${tail.join('\n')}`),
          );
          return;
        }
        failures = Date.now() - startedAt > 60_000 ? 1 : failures + 1;
        const delayMs = Math.min(MAX_RESTART_BACKOFF_MS, 500 * 2 ** (failures - 1));
        logger.warn({ code, signal, restartInMs: delayMs }, 'Temporal server exited unexpectedly; restarting');
        restartTimer = setTimeout(launch, delayMs);
      });
    });
    current.once('error', (err) => logger.warn({ err }, 'Temporal server process error'));
  };
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    stopping = true;
    if (restartTimer) clearTimeout(restartTimer);
    process.removeListener('exit', killOnExit);
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  launch();
  try {
    await Promise.race([waitUntilServing(address, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, () => tail), diedBeforeReady]);
    await Promise.race([ensureNamespace(address, namespace), diedBeforeReady]);
    await Promise.race([waitUntilHistoryServes(address, namespace, HISTORY_READY_TIMEOUT_MS), diedBeforeReady]);
    ready = true;
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, pid: () => child?.pid, stop };
}

function sqlTarget(postgresUrl: string, database: string): TemporalSqlTarget {
  const url = new URL(postgresUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
    visibilityDatabase: `${database}_visibility`,
  };
}

async function waitUntilServing(address: string, timeoutMs: number, tail: () => string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      const health = await connection.healthService.check({});
      if (health.status === 1) return; // SERVING
      lastError = new Error(`health status ${health.status}`);
    } catch (err) {
      lastError = err;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `Temporal server at ${address} not serving after ${timeoutMs} ms: ${String(lastError)}. Last output:\n${tail().join('\n')}`,
  );
}

/**
 * The frontend answers (health, namespaces) before history owns its shards: after a restart on
 * the same databases the ring still lists the previous run's hosts for a while, and every
 * workflow call is UNAVAILABLE "Not enough hosts to serve the request". A lookup of a workflow
 * that does not exist is NOT_FOUND only once history serves it, so "up" means workflows can run.
 */
async function waitUntilHistoryServes(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await retryUntil(
      timeoutMs,
      () =>
        connection.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId: 'slipway-history-readiness-probe' } }),
      (err) => (err as { code?: number }).code === GRPC_NOT_FOUND,
    ).catch((err: unknown) => {
      throw new Error(`Temporal history not serving ${timeoutMs} ms after the frontend was: ${String(err)}`, { cause: err });
    });
  } finally {
    await connection.close();
  }
}

/**
 * Calls `attempt` every 250 ms until it resolves, or rejects with an error `answered` accepts
 * as an answer, and throws its last error once `timeoutMs` have passed.
 */
async function retryUntil(
  timeoutMs: number,
  attempt: () => Promise<unknown>,
  answered: (err: unknown) => boolean = () => false,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (err) {
      if (answered(err)) return;
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A real server starts with only `temporal-system`; register ours (already there = fine) and wait until it is visible. */
async function ensureNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(RETENTION),
      });
    } catch (err) {
      if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
    }
    await retryUntil(30_000, () => connection.workflowService.describeNamespace({ namespace }));
  } finally {
    await connection.close();
  }
}
