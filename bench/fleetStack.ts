import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { bundleWorkflowCode, DefaultLogger, NativeConnection } from '@temporalio/worker';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createActivities } from '../activities';
import type { ActivityDeps } from '../activities/deps';
import { systemClock } from '../ports/clock';
import type { Db } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import type { Database } from '../db/schema';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/bootstrap/embeddedPostgres';
import { getFreePort } from '../compute/local/freePort';
import { createArtifactStore } from '../compute/local/artifactStore';
import type { ComputeProvider } from '../ports/compute';
import { dataPaths } from '../src/dataPaths';
import { createLogger, type Logger } from '../src/logger';
import { startBuiltinRouter, type BuiltinRouter } from '../traffic/builtin/builtinRouter';
import { createHttpRouterClient } from '../traffic/builtin/httpRouterClient';
import { ensureSecretFile } from '../src/secretFile';
import { loadSecretCipher } from '../src/secretKey';
import { installTemporalLogging } from '../src/temporalLogger';
import { waitForHttp } from '../src/waitForHttp';
import { createSlipwayWorker } from '../src/worker';
import { noFaults } from '../ports/faultPoints';
import { startBenchTemporal, type BenchTemporal } from './temporal';

/**
 * The real engine for the fleet benchmark: embedded Postgres, the Temporal dev server, the
 * built-in router and the API as a child process (so its memory is its own); the worker
 * runs in this process with timed activities and a query-timing database handle.
 */
export interface Timings {
  activityMs: number;
  activityCalls: number;
  dbMs: number;
  dbQueries: number;
  /** Count and time per SQL text (parameters stay $n), to say which queries an upgrade costs. */
  byQuery: Map<string, { n: number; ms: number }>;
}

export interface BenchStack {
  tmp: string;
  dataDir: string;
  apiUrl: string;
  apiPid: number;
  temporalPid: number | undefined;
  /** Which Temporal ran (BENCH_TEMPORAL), for the tables. */
  temporalLabel: string;
  db: Db;
  dbUrl: string;
  proxyPort: number;
  logger: Logger;
  timings: Timings;
  taskQueue: string;
  /** A worker on the task queue with this compute provider; stop it before starting another. */
  startWorker(compute: ComputeProvider, opts?: { maxConcurrentActivities?: number }): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

const cleanups: (() => Promise<unknown>)[] = [];

export async function startBenchStack(): Promise<BenchStack> {
  const logger = createLogger('bench', process.env.LOG_LEVEL ?? 'warn');
  installTemporalLogging(logger);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-bench-'));
  await fs.chmod(tmp, 0o755);
  const dataDir = path.join(tmp, 'data');
  await fs.mkdir(path.join(dataDir, 'temporal'), { recursive: true, mode: 0o755 });
  const stack = { tmp } as Partial<BenchStack>;
  try {
    const postgres: EmbeddedPostgres = await startEmbeddedPostgres({
      dataDir: path.join(tmp, 'postgres'),
      port: 0,
      logger,
      databaseName: 'slipway',
    });
    cleanups.push(() => postgres.stop());
    const temporal: BenchTemporal = await startBenchTemporal({ dir: dataDir, postgresUrl: async () => postgres.adminUrl, logger });
    cleanups.push(() => temporal.stop());

    const timings: Timings = { activityMs: 0, activityCalls: 0, dbMs: 0, dbQueries: 0, byQuery: new Map() };
    const pool = new pg.Pool({ connectionString: postgres.url, max: 30 });
    pool.on('error', () => undefined);
    const db: Db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log(e) {
        timings.dbMs += e.queryDurationMillis;
        timings.dbQueries += 1;
        const q = timings.byQuery.get(e.query.sql) ?? { n: 0, ms: 0 };
        q.n += 1;
        q.ms += e.queryDurationMillis;
        timings.byQuery.set(e.query.sql, q);
      },
    });
    cleanups.push(() => db.destroy());
    await migrateToLatest(db);

    const adminSecret = await ensureSecretFile(dataPaths(dataDir).routerAdminSecret);
    const router: BuiltinRouter = await startBuiltinRouter({
      host: '127.0.0.1',
      port: 0,
      adminHost: '127.0.0.1',
      adminPort: 0,
      adminSecret,
      stateFile: dataPaths(dataDir).routerState,
      logger,
    });
    cleanups.push(() => router.close());
    const proxyPort = Number(new URL(router.proxyUrl).port);
    const taskQueue = 'slipway-bench';

    const apiPort = await getFreePort();
    const api: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../src/processes/api.ts')], {
      cwd: path.join(__dirname, '..'),
      env: {
        ...process.env,
        DATABASE_URL: postgres.url,
        TEMPORAL_ADDRESS: temporal.address,
        SLIPWAY_TASK_QUEUE: taskQueue,
        SLIPWAY_API_PORT: String(apiPort),
        SLIPWAY_DATA_DIR: dataDir,
        SLIPWAY_ROUTER_PORT: String(proxyPort),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    cleanups.push(() => stopChild(api));
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitForHttp(`${apiUrl}/healthz`, 60_000);

    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('WARN') });
    const connection = await NativeConnection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const artifacts = createArtifactStore(dataPaths(dataDir).artifacts);

    // The API child reads the same key file from the data dir.
    const secrets = await loadSecretCipher({ dataDir });
    const startWorker = async (compute: ComputeProvider, opts: { maxConcurrentActivities?: number } = {}) => {
      const deps: ActivityDeps = {
        db,
        compute,
        router: createHttpRouterClient({ adminUrl: router.adminUrl, adminSecret }),
        artifacts,
        clock: systemClock,
        logger,
        secrets,
        faults: noFaults,
        settings: {
          readinessIntervalMs: 250,
          readinessTimeoutSeconds: 60,
          stopGraceMs: 2000,
          rollbackWindowSeconds: 0,
          drainTimeoutSeconds: 1,
        },
      };
      const timed = Object.fromEntries(
        Object.entries(createActivities(deps)).map(([name, fn]) => [
          name,
          async (...args: unknown[]) => {
            const t = performance.now();
            try {
              return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
            } finally {
              timings.activityMs += performance.now() - t;
              timings.activityCalls += 1;
            }
          },
        ]),
      );
      const worker = await createSlipwayWorker({
        connection,
        namespace: 'default',
        taskQueue,
        deps,
        activities: timed,
        workflowBundle: { code },
        maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 100,
      });
      const running = worker.run();
      return {
        async stop() {
          worker.shutdown();
          await running;
        },
      };
    };

    Object.assign(stack, {
      dataDir,
      apiUrl,
      apiPid: api.pid!,
      temporalPid: temporal.pid(),
      temporalLabel: temporal.label,
      db,
      dbUrl: postgres.url,
      proxyPort,
      logger,
      timings,
      taskQueue,
      startWorker,
      close: closeAll,
    });
    return stack as BenchStack;
  } catch (err) {
    await closeAll();
    throw err;
  }
}

async function closeAll(): Promise<void> {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups.length = 0;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Peak resident memory (VmHWM) of a process, in MiB; null when it is gone. */
export function peakRssMiB(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}
