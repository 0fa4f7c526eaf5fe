import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { createToken } from '../../db/queries/tokens';
import { createLocalComputeProvider } from '../../compute/local/localProvider';
import { getFreePort } from '../../compute/local/freePort';
import { dataPaths } from '../../src/dataPaths';
import { ensureSecretFile } from '../../src/secretFile';
import { createLogger } from '../../src/logger';
import { startBuiltinRouter, type BuiltinRouter } from '../../traffic/builtin/builtinRouter';
import type { ComputeKind } from '../../src/config';
import { killAppProcessesUnder } from './appProcesses';
import { startContainerStack, type ContainerStack } from './containerStack';
import { REAL_NODE_LOCK_WAIT_MS, startTestCluster, type TestCluster } from './kubernetesCluster';
import { clusterLiveApps, engineLiveApps, kernelLiveApps, type LiveApps } from './liveApps';
import { isRunning, spawnTsProcess, stopChild, tailText, waitForHttp, waitForLogLine, type TestChild } from './childProcess';
import { connectTestClient, testNamespace, testTemporalAddress, type TestTemporal } from './temporalEnv';
import { createTestDatabase, type TestDatabase } from './testDatabase';

/**
 * Slipway with its worker and API as REAL child processes (src/processes/*.ts), so a test
 * can SIGKILL them mid-operation: a fresh database on the run's Postgres, the run's
 * Temporal server, a task queue of its own, one data directory the children share
 * (artifacts, compute state), and the built-in router in this process (it must outlive
 * the processes under test, as it does in production).
 */
export interface ProcessStack {
  dir: string;
  dataDir: string;
  computeStateDir: string;
  db: Db;
  databaseUrl: string;
  temporal: TestTemporal;
  taskQueue: string;
  apiUrl: string;
  proxyPort: number;
  adminToken: string;
  tenantToken(tenantId: string): Promise<string>;
  /** Where the children run apps: local processes, or containers on `containers`' engine. */
  compute: ComputeKind;
  /** With `compute: 'docker'` or `'kubernetes'`: the engine, the registry and the pushed test app image. */
  containers?: ContainerStack;
  /** With `compute: 'kubernetes'`: the cluster the children reach through its admin kubeconfig; its one node is real. */
  cluster?: TestCluster;
  /** What runs for a deployment, asked of the kernel, the engine or the cluster (never of Slipway's rows). */
  liveApps: LiveApps;
  /** Resolves once the worker polls its task queue. */
  startWorker(opts?: ChildOptions): Promise<TestChild>;
  /** Resolves once the API answers on `apiUrl` (the same port every time). */
  startApi(opts?: ChildOptions): Promise<TestChild>;
  children: TestChild[];
  /** Cleanly stops every worker still running, so the next one started is the only one polling. */
  stopWorkers(): Promise<void>;
  /** Tails of every child's output; tests print it when they fail. */
  diagnostics(): string;
  /** Runs `fn`; on failure adds the children's output to the error. */
  explainFailure<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface ChildOptions {
  /** SLIPWAY_FAULT_KILL_AT: the process SIGKILLs itself at this point (ports/faultPoints.ts). */
  faultAt?: string;
  env?: Record<string, string>;
}

/** Variables of this process a child may see; config comes only from what we set. */
const PASSED_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'LANG'] as const;

export interface ProcessStackOptions {
  /**
   * `docker`: every child runs with SLIPWAY_COMPUTE=docker against a real engine and registry;
   * `kubernetes`: with SLIPWAY_COMPUTE=kubernetes against a cluster whose real node pulls from that registry.
   */
  compute?: ComputeKind;
}

export async function startProcessStack(opts: ProcessStackOptions = {}): Promise<ProcessStack> {
  const logger = createLogger('process-stack', process.env.SLIPWAY_TEST_LOG_LEVEL ?? 'warn');
  const compute = opts.compute ?? 'local';
  const containers = compute === 'docker' || compute === 'kubernetes' ? await startContainerStack(logger) : undefined;
  const cluster =
    compute === 'kubernetes' && containers
      ? await startTestCluster({
          fakeNodes: 0,
          realNode: { insecureRegistries: [containers.registry.host], lockWaitMs: REAL_NODE_LOCK_WAIT_MS },
        })
      : undefined;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-proc-'));
  await fs.chmod(dir, 0o711); // app users and Postgres pass through; nobody else lists it
  const dataDir = path.join(dir, 'data');
  const paths = dataPaths(dataDir);
  await fs.mkdir(path.dirname(paths.routerState), { recursive: true });

  const database: TestDatabase = await createTestDatabase();
  const db = createDb(database.url);
  await migrateToLatest(db);
  const adminToken = (await createToken(db, { name: 'crash-admin', role: 'admin', tenantId: null })).token;
  // Made where the worker child looks for it, as a router of `npm start` would.
  const adminSecret = await ensureSecretFile(paths.routerAdminSecret);
  const router: BuiltinRouter = await startBuiltinRouter({
    host: '127.0.0.1',
    port: 0,
    adminHost: '127.0.0.1',
    adminPort: 0,
    adminSecret,
    stateFile: paths.routerState,
    logger,
  });
  const proxyPort = Number(new URL(router.proxyUrl).port);
  const temporal = await connectTestClient();
  const taskQueue = `slipway-crash-${randomBytes(4).toString('hex')}`;
  const apiPort = await getFreePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const children: TestChild[] = [];
  let counter = 0;

  const baseEnv = (): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const name of PASSED_THROUGH) if (process.env[name] !== undefined) env[name] = process.env[name]!;
    return {
      ...env,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: testTemporalAddress(),
      TEMPORAL_NAMESPACE: testNamespace(),
      SLIPWAY_TASK_QUEUE: taskQueue,
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_ROUTER_ADMIN_URL: router.adminUrl,
      SLIPWAY_ROUTER_PORT: String(proxyPort),
      SLIPWAY_API_PORT: String(apiPort),
      SLIPWAY_ROUTE_DOMAIN: 'localhost',
      ...(cluster && containers
        ? { SLIPWAY_COMPUTE: 'kubernetes', SLIPWAY_KUBECONFIG: cluster.kubeconfigPath, SLIPWAY_REGISTRY: containers.registry.url }
        : containers
          ? { SLIPWAY_COMPUTE: 'docker', DOCKER_HOST: containers.engine.dockerHost, SLIPWAY_REGISTRY: containers.registry.url }
          : {}),
    };
  };

  const spawnChild = async (name: string, entry: string, opts: ChildOptions, logLevel: string): Promise<TestChild> => {
    counter += 1;
    const env = { ...baseEnv(), LOG_LEVEL: logLevel, ...(opts.faultAt ? { SLIPWAY_FAULT_KILL_AT: opts.faultAt } : {}), ...opts.env };
    const label = `${name}#${counter}${opts.faultAt ? ` (fault ${opts.faultAt})` : ''}`;
    const child = await spawnTsProcess(label, entry, env, path.join(dir, `${name}-${counter}.log`));
    children.push(child);
    return child;
  };

  const diagnostics = () => children.map((c) => tailText(c)).join('\n');

  return {
    dir,
    dataDir,
    computeStateDir: paths.compute,
    db,
    databaseUrl: database.url,
    temporal,
    taskQueue,
    apiUrl,
    proxyPort,
    adminToken,
    children,
    compute,
    containers,
    cluster,
    liveApps: cluster
      ? clusterLiveApps(cluster.adminConfig())
      : containers
        ? engineLiveApps(containers.docker)
        : kernelLiveApps(paths.compute),
    tenantToken: async (tenantId) => (await createToken(db, { name: `tenant-${tenantId}`, role: 'tenant', tenantId })).token,

    async startWorker(opts = {}) {
      // info: its "worker polling" line says it is up, and its phase lines explain a failure.
      const child = await spawnChild('worker', 'src/processes/worker.ts', opts, 'info');
      // The worker bundles workflows/ at start: give it time on a slow machine (two workers
      // bundling at once at load 15 took more than 90 s).
      await waitForLogLine(child, '"msg":"worker polling"', 180_000);
      return child;
    },

    async startApi(opts = {}) {
      // warn: request lines would bury what matters in a failure's output.
      const child = await spawnChild('api', 'src/processes/api.ts', opts, 'warn');
      await waitForHttp(`${apiUrl}/healthz`, 60_000, child);
      return child;
    },

    async stopWorkers() {
      await Promise.all(children.filter((c) => c.name.startsWith('worker') && isRunning(c)).map((c) => stopChild(c)));
    },

    diagnostics,

    async explainFailure(fn) {
      try {
        return await fn();
      } catch (err) {
        const text = `\n${diagnostics()}`;
        if (err instanceof Error) {
          err.message += text;
          throw err;
        }
        throw new Error(`${String(err)}${text}`, { cause: err });
      }
    },

    async close() {
      const step = async (what: string, fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (err) {
          logger.warn({ err }, `process stack cleanup: ${what} failed`);
        }
      };
      await step('stop children', () => Promise.all(children.map((c) => stopChild(c))));
      // Every app process the children started, whatever state the test left it in.
      const local = createLocalComputeProvider({ stateDir: paths.compute, logger });
      const states = await fs.readdir(paths.compute).catch(() => [] as string[]);
      for (const f of states.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
        await step(`stop ${f}`, () => local.stop(f.slice(0, -5), { graceMs: 1000 }));
      }
      // And any a crash left untracked (the orphans the tests look for).
      await step('kill untracked apps', () => killAppProcessesUnder(paths.artifacts));
      // Drains the real node through kubelet and leaves no iptables rules, mounts or bridge.
      if (cluster) await step('stop kubernetes cluster', () => cluster.stop());
      if (containers) await step('remove containers', () => containers.close());
      await step('close router', () => router.close());
      await step('close temporal', () => temporal.close());
      await step('close db', () => db.destroy());
      await step('drop db', () => database.drop());
      await step('remove dir', () => fs.rm(dir, { recursive: true, force: true }));
    },
  };
}
