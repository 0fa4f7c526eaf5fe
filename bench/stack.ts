import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { createToken } from '../db/queries/tokens';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/bootstrap/embeddedPostgres';
import { createLocalComputeProvider } from '../compute/local/localProvider';
import { getFreePort } from '../compute/local/freePort';
import { dataPaths } from '../src/dataPaths';
import { ensureSecretFile } from '../src/secretFile';
import { loadConfig, type ComputeKind, type RouterKind } from '../src/config';
import { startContainerStack } from '../tests/helpers/containerStack';
import { REAL_NODE_LOCK_WAIT_MS, startTestCluster } from '../tests/helpers/kubernetesCluster';
import { haproxySettings } from '../src/trafficRouter';
import { startHaproxy } from '../traffic/haproxy/haproxyProcess';
import { parseAbnormalRequest, type AbnormalRequest } from '../traffic/haproxy/errorLog';
import { createLogger } from '../src/logger';
import { stopAllApps } from '../src/stopAllApps';
import { killAppProcessesUnder } from '../tests/helpers/appProcesses';
import { startBenchTemporal, type BenchTemporal } from './temporal';
import { spawnTsProcess, stopChild, tailText, waitForHttp, waitForLogLine, type TestChild } from '../tests/helpers/childProcess';

/**
 * A whole Slipway for benchmarking, shaped like `npm start`: embedded Postgres and the
 * Temporal dev server in a temp dir, then the router, worker and API as their real
 * process entrypoints (src/processes/*.ts), each a child process. Child processes keep the
 * router's event loop apart from the load generator's (which runs in the bench process),
 * as it is in production. close() stops everything, app processes included.
 */
export interface BenchStack {
  dir: string;
  apiUrl: string;
  proxyPort: number;
  routerAdminUrl: string;
  /** Bearer secret of the router's admin API (the router made it in the data dir). */
  routerAdminSecret: string;
  adminToken: string;
  /** Which Temporal ran (BENCH_TEMPORAL), for the tables. */
  temporalLabel: string;
  /** host:port of the bench's Temporal frontend (for reading histories). */
  temporalAddress: string;
  /** BENCH_COMPUTE=docker or kubernetes: revisions are containers (or pods), and releases name this pushed test image. */
  appImage?: string;
  /** Where revisions ran (BENCH_COMPUTE), for the tables' headings. */
  computeLabel: string;
  children: TestChild[];
  /** BENCH_ROUTER=haproxy: every request HAProxy logged as abnormal (error, timeout, abort, 5xx), in the order logged. */
  haproxyAbnormal: AbnormalRequest[];
  close(): Promise<void>;
}

export interface BenchStackOptions {
  /** How long a replaced revision stays warm (rollback benches need it warm). */
  rollbackWindowSeconds?: number;
  drainTimeoutSeconds?: number;
  logLevel?: string;
  /** Router in front of the apps: the built-in one (default) or HAProxy (BENCH_ROUTER=haproxy). */
  router?: RouterKind;
  /**
   * `docker`: a real engine and registry with the test app image (BENCH_COMPUTE=docker);
   * `kubernetes`: that registry and image, and a cluster whose one node is real (BENCH_COMPUTE=kubernetes).
   */
  compute?: ComputeKind;
  /** Receives close() before anything starts, so a deadline during start-up still cleans up. */
  onCloseAvailable?: (close: () => Promise<void>) => void;
}

/** Only what a child needs from our environment; its config comes from what we set. */
const PASSED_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'LANG'] as const;

export async function startBenchStack(opts: BenchStackOptions = {}): Promise<BenchStack> {
  const logger = createLogger('bench', process.env.SLIPWAY_BENCH_LOG_LEVEL ?? 'warn');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-bench-'));
  // mkdtemp makes 0700; Postgres runs as the `postgres` user when we are root and must get in.
  await fs.chmod(dir, 0o755);
  const dataDir = path.join(dir, 'data');
  const paths = dataPaths(dataDir);
  await fs.mkdir(path.dirname(paths.routerState), { recursive: true });

  const cleanups: { what: string; run: () => Promise<unknown> }[] = [];
  const children: TestChild[] = [];
  const close = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      await c
        .run()
        .catch((err) => process.stderr.write(`bench: stopping ${c.what} failed: ${err instanceof Error ? err.message : String(err)}\n`));
    }
  };
  opts.onCloseAvailable?.(close);

  // First in, last out: the directory goes after every process that uses it has stopped.
  cleanups.push({
    what: 'temp dir',
    run: () => (process.env.SLIPWAY_BENCH_KEEP_DIR ? Promise.resolve() : fs.rm(dir, { recursive: true, force: true })),
  });
  try {
    step('starting embedded Postgres and Temporal (BENCH_TEMPORAL)');
    const pgStarted = startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port: 0, logger, databaseName: 'slipway' }).then(
      (p: EmbeddedPostgres) => {
        cleanups.push({ what: 'Postgres', run: () => p.stop() });
        return p;
      },
    );
    const [pg, temporal] = await Promise.all([
      pgStarted,
      // The real server keeps its state in that Postgres, so only it waits for it.
      startBenchTemporal({ dir, postgresUrl: async () => (await pgStarted).adminUrl, logger }).then((t: BenchTemporal) => {
        cleanups.push({ what: 'Temporal', run: () => t.stop() });
        return t;
      }),
    ]);
    const db = createDb(pg.url, { max: 2 });
    await migrateToLatest(db);
    const adminToken = (await createToken(db, { name: 'bench-admin', role: 'admin', tenantId: null })).token;
    await db.destroy();

    const containers = opts.compute === 'docker' || opts.compute === 'kubernetes' ? await startContainerStack(logger) : undefined;
    // Registered here so it runs after the worker and API stopped: it removes every container.
    if (containers) cleanups.push({ what: 'container engine and registry', run: () => containers.close() });
    const cluster =
      opts.compute === 'kubernetes' && containers
        ? await startTestCluster({
            fakeNodes: 0,
            realNode: { insecureRegistries: [containers.registry.host], lockWaitMs: REAL_NODE_LOCK_WAIT_MS },
          })
        : undefined;
    if (cluster) cleanups.push({ what: 'kubernetes cluster', run: () => cluster.stop() });

    const [apiPort, proxyPort, adminPort] = [await getFreePort(), await getFreePort(), await getFreePort()];
    const routerAdminUrl = `http://127.0.0.1:${adminPort}`;
    const haproxyAbnormal: AbnormalRequest[] = [];
    const env: Record<string, string> = {};
    for (const name of PASSED_THROUGH) if (process.env[name] !== undefined) env[name] = process.env[name]!;
    Object.assign(env, {
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_TASK_QUEUE: 'slipway-bench',
      SLIPWAY_API_PORT: String(apiPort),
      SLIPWAY_ROUTER_PORT: String(proxyPort),
      SLIPWAY_ROUTER_ADMIN_PORT: String(adminPort),
      SLIPWAY_ROUTER_ADMIN_URL: routerAdminUrl,
      SLIPWAY_ROUTE_DOMAIN: 'localhost',
      SLIPWAY_ROLLBACK_WINDOW_SECONDS: String(opts.rollbackWindowSeconds ?? 600),
      SLIPWAY_DRAIN_TIMEOUT_SECONDS: String(opts.drainTimeoutSeconds ?? 30),
      SLIPWAY_STOP_GRACE_SECONDS: '5',
      SLIPWAY_ROUTER: opts.router ?? 'builtin',
      // Only abnormal requests are logged; the benches read them to tell which slot a failure went to.
      SLIPWAY_HAPROXY_ERROR_LOG: '1',
      ...(cluster && containers
        ? { SLIPWAY_COMPUTE: 'kubernetes', SLIPWAY_KUBECONFIG: cluster.kubeconfigPath, SLIPWAY_REGISTRY: containers.registry.url }
        : containers
          ? { SLIPWAY_COMPUTE: 'docker', DOCKER_HOST: containers.engine.dockerHost, SLIPWAY_REGISTRY: containers.registry.url }
          : {}),
    });
    const spawn = async (name: string, logLevel: string) => {
      const child = await spawnTsProcess(name, `src/processes/${name}.ts`, { ...env, LOG_LEVEL: logLevel }, path.join(dir, `${name}.log`));
      children.push(child);
      cleanups.push({ what: name, run: () => stopChild(child, 20_000) });
      return child;
    };

    step('starting router, worker and API (child processes)');
    if (opts.router === 'haproxy') {
      // The same files the worker renders: settings come from the same configuration.
      let partial = '';
      const haproxy = await startHaproxy(haproxySettings(loadConfig(env)), (text) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const record = parseAbnormalRequest(line);
          if (record) haproxyAbnormal.push(record);
        }
      });
      cleanups.push({ what: 'haproxy', run: () => haproxy.stop() });
      await waitForHttp(`${routerAdminUrl}/healthz`, 60_000);
    } else {
      const router = await spawn('router', opts.logLevel ?? 'warn');
      await waitForHttp(`${routerAdminUrl}/healthz`, 60_000, router);
    }
    // Registered after the router so it runs before the router stops: apps go first.
    cleanups.push({
      what: 'app processes',
      run: async () => {
        await stopAllApps(createLocalComputeProvider({ stateDir: paths.compute, logger }), paths.compute, 2_000);
        await killAppProcessesUnder(paths.artifacts);
      },
    });
    // The worker bundles workflows/ at start; its "worker polling" line says it is up.
    const worker = await spawn('worker', 'info');
    const api = await spawn('api', opts.logLevel ?? 'warn');
    await waitForLogLine(worker, '"msg":"worker polling"', 180_000);
    await waitForHttp(`http://127.0.0.1:${apiPort}/healthz`, 60_000, api);
    step(`up in ${dir}`);

    const routerAdminSecret = await ensureSecretFile(paths.routerAdminSecret);
    return {
      dir,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      proxyPort,
      routerAdminUrl,
      routerAdminSecret,
      adminToken,
      temporalLabel: temporal.label,
      temporalAddress: temporal.address,
      appImage: containers?.appImage,
      computeLabel: containers ? `${opts.compute} compute, image ${containers.appImage}` : `${opts.compute ?? 'local'} compute (processes)`,
      children,
      haproxyAbnormal,
      close,
    };
  } catch (err) {
    const tails = children.map((c) => tailText(c, 20)).join('\n');
    await close();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tails}`, { cause: err });
  }
}

export function step(what: string): void {
  process.stdout.write(`bench: ${what}\n`);
}

/**
 * Runs a bench body against a fresh stack with an overall deadline; the stack is closed
 * on success, failure, timeout and Ctrl-C alike, and the process exits with `body`'s code.
 */
export function runBench(name: string, deadlineMs: number, stackOpts: BenchStackOptions, body: (s: BenchStack) => Promise<number>): void {
  let closeStack: (() => Promise<void>) | undefined;
  let finishing = false;
  const finish = async (code: number, why?: string) => {
    if (finishing) return;
    finishing = true;
    if (why) process.stderr.write(`bench ${name}: ${why}\n`);
    const keepAlive = setInterval(() => undefined, 1000);
    step('cleaning up');
    // Cleanup itself gets a deadline too; a wedged child must not hang the bench.
    const hardStop = setTimeout(() => {
      process.stderr.write(`bench ${name}: cleanup did not finish in 60 s; exiting\n`);
      process.exit(code || 1);
    }, 60_000);
    hardStop.unref();
    await closeStack?.().catch(() => undefined);
    clearInterval(keepAlive);
    process.exit(code);
  };
  const overall = setTimeout(() => void finish(3, `overall deadline of ${Math.round(deadlineMs / 1000)} s passed`), deadlineMs);
  overall.unref();
  process.on('SIGINT', () => void finish(130, 'interrupted'));
  process.on('SIGTERM', () => void finish(143, 'terminated'));
  (async () => {
    // BENCH_COMPUTE=docker / kubernetes: the same bench with revisions as containers or pods (BENCHMARKS.md).
    const compute =
      process.env.BENCH_COMPUTE === 'docker' || process.env.BENCH_COMPUTE === 'kubernetes' ? process.env.BENCH_COMPUTE : 'local';
    const stack = await startBenchStack({ compute, ...stackOpts, onCloseAvailable: (c) => (closeStack = c) });
    return body(stack);
  })().then(
    (code) => finish(code),
    (err) => finish(1, err instanceof Error ? (err.stack ?? err.message) : String(err)),
  );
}
