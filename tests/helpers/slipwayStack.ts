import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { systemClock } from '../../ports/clock';
import { buildApp } from '../../api/app';
import { createDb, type Db } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { SecretCipher } from '../../db/secretCipher';
import { createToken } from '../../db/queries/tokens';
import { createArtifactStore } from '../../compute/local/artifactStore';
import { createLocalComputeProvider } from '../../compute/local/localProvider';
import type { ComputeProvider } from '../../ports/compute';
import type { ImageRegistry } from '../../ports/imageRegistry';
import { createLogger } from '../../src/logger';
import type { TrafficRouter } from '../../ports/traffic';
import type { ComputeKind, RouterKind } from '../../src/config';
import { createDockerComputeProvider } from '../../compute/docker/dockerProvider';
import { createKubernetesComputeProvider } from '../../compute/kubernetes/kubernetesProvider';
import { createKubernetesRouter } from '../../traffic/kubernetes/kubernetesRouter';
import { REAL_NODE_LOCK_WAIT_MS, startTestCluster, type TestCluster } from './kubernetesCluster';
import { DistributionRegistry } from '../../images/distributionRegistry';
import { startContainerStack, type ContainerStack } from './containerStack';
import { startTestTrafficRouter } from './trafficRouters';
import { installTemporalLogging } from '../../src/temporalLogger';
import { createSlipwayWorker, type SlipwayWorker } from '../../src/worker';
import { connectTestClient, workflowBundle, type TestTemporal } from './temporalEnv';
import { createTestDatabase, type TestDatabase } from './testDatabase';
import { noFaults } from '../../ports/faultPoints';
import { DEFAULT_DELIVERY_RETRY, type DeliveryRetryPolicy } from '../../domain/notifications/retry';
import { startNotificationDispatcher } from '../../notifications/dispatcher';
import { parseCidrList } from '../../domain/notifications/addressPolicy';

/**
 * A whole Slipway in this test process, built from the real parts: a fresh database on
 * the run's Postgres, the run's Temporal server, a real worker, the real router on
 * loopback ports, real child processes, and the API listening on a real port.
 */
export interface SlipwayStack {
  db: Db;
  api: FastifyInstance;
  apiUrl: string;
  /** The router's listener; empty (port 0) behind the kubernetes router, where users reach each deployment's Service. */
  proxyUrl: string;
  proxyPort: number;
  router: TrafficRouter;
  compute: ComputeProvider;
  temporal: TestTemporal;
  worker: SlipwayWorker;
  adminToken: string;
  /** The cipher worker and API seal secret env values with (a random key per stack). */
  secrets: SecretCipher;
  /** The worker's Temporal task queue (unique per stack). */
  taskQueue: string;
  tenantToken(tenantId: string): Promise<string>;
  /** With `compute: 'docker'` or `'kubernetes'`: the engine, the registry and the pushed test app image. */
  containers?: ContainerStack;
  /** With `compute: 'kubernetes'`: the cluster, whose one node is real (pods are runc containers). */
  cluster?: TestCluster;
  close(): Promise<void>;
}

let sdkLoggingInstalled = false;

export interface StackOptions {
  /** Which TrafficRouter the stack runs behind (default the built-in one); `kubernetes` needs `compute: 'kubernetes'`. */
  router?: RouterKind;
  readinessTimeoutSeconds?: number;
  rollbackWindowSeconds?: number;
  drainTimeoutSeconds?: number;
  /** Folders releases may be published from (default: the checkout's examples). */
  artifactRoots?: string[];
  /** Backoff of outgoing event deliveries (default: the production policy). */
  notificationRetry?: DeliveryRetryPolicy;
  /** Private ranges tenants' webhooks may reach (default none: public addresses only, as in production). */
  notificationAllowedCidrs?: string;
  /** The registry image tags resolve in (tests/helpers/ociRegistry.ts); without it releases by image are 400. */
  images?: ImageRegistry;
  /**
   * `docker`: revisions are containers on a real engine, with the test app image in a real registry;
   * `kubernetes`: Deployments on a cluster with one real node that pulls that image from the registry.
   */
  compute?: ComputeKind;
}

export async function startSlipwayStack(opts: StackOptions = {}): Promise<SlipwayStack> {
  const logger = createLogger('test', process.env.SLIPWAY_TEST_LOG_LEVEL ?? 'warn');
  // The SDK's runtime is per process and installs once; tests share it (jest runs in band).
  if (!sdkLoggingInstalled) {
    sdkLoggingInstalled = true;
    try {
      installTemporalLogging(logger);
    } catch {
      /* already installed by an earlier file in this process */
    }
  }
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-stack-'));
  // Like a data directory: app users pass through to their artifacts and homes, but cannot list it.
  await fs.chmod(tmp, 0o711);
  const database: TestDatabase = await createTestDatabase();
  const db = createDb(database.url);
  await migrateToLatest(db);
  const secrets = new SecretCipher(randomBytes(32));
  const serviceRouter = opts.router === 'kubernetes';
  if (serviceRouter && opts.compute !== 'kubernetes')
    throw new Error("router 'kubernetes' patches Services on the stack's cluster: pass compute: 'kubernetes'");
  const proxy = serviceRouter ? undefined : await startTestTrafficRouter(opts.router ?? 'builtin', tmp, logger);
  const containers = opts.compute === 'docker' || opts.compute === 'kubernetes' ? await startContainerStack(logger) : undefined;
  const cluster =
    opts.compute === 'kubernetes' && containers
      ? await startTestCluster({
          fakeNodes: 0,
          realNode: { insecureRegistries: [containers.registry.host], lockWaitMs: REAL_NODE_LOCK_WAIT_MS },
        })
      : undefined;
  const router = proxy?.router ?? createKubernetesRouter({ kubeConfig: cluster!.adminConfig() });
  const proxyUrl = proxy?.proxyUrl ?? '';
  const compute = cluster
    ? createKubernetesComputeProvider({ kubeConfig: cluster.adminConfig(), logger })
    : containers
      ? createDockerComputeProvider({ docker: containers.docker, logger })
      : createLocalComputeProvider({ stateDir: path.join(tmp, 'compute'), logger });
  const images = opts.images ?? (containers ? new DistributionRegistry({ url: containers.registry.url }) : undefined);
  const artifacts = createArtifactStore(path.join(tmp, 'artifacts'), opts.artifactRoots ? { sourceRoots: opts.artifactRoots } : {});
  const temporal = await connectTestClient();
  const taskQueue = `slipway-test-${randomBytes(4).toString('hex')}`;
  const worker = await createSlipwayWorker({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    workflowBundle: workflowBundle(),
    deps: {
      db,
      compute,
      router,
      artifacts,
      clock: systemClock,
      logger,
      secrets,
      images: opts.images,
      faults: noFaults,
      settings: {
        readinessIntervalMs: 250,
        readinessTimeoutSeconds: opts.readinessTimeoutSeconds ?? 30,
        stopGraceMs: 2000,
        rollbackWindowSeconds: opts.rollbackWindowSeconds ?? 600,
        drainTimeoutSeconds: opts.drainTimeoutSeconds ?? 5,
      },
    },
  });
  const workerRun = worker.run();
  const tenantAllowedCidrs = parseCidrList(opts.notificationAllowedCidrs ?? '');
  // As in the worker process: the notification outbox drains beside the worker.
  const dispatcher = startNotificationDispatcher({
    db,
    secrets,
    logger,
    retry: opts.notificationRetry ?? DEFAULT_DELIVERY_RETRY,
    pollMs: 100,
    attemptTimeoutMs: 2000,
    tenantAllowedCidrs,
    logRetentionDays: 30,
  });
  const proxyPort = proxyUrl ? Number(new URL(proxyUrl).port) : 0;
  const api = buildApp({
    notificationAllowedCidrs: tenantAllowedCidrs,
    db,
    temporal: { client: temporal.client, taskQueue },
    artifacts,
    images,
    logger,
    faults: noFaults,
    routerPublicPort: proxyPort,
    routeDomain: 'localhost',
    secrets,
    router,
  });
  const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  const adminToken = (await createToken(db, { name: 'test-admin', role: 'admin', tenantId: null })).token;

  return {
    db,
    api,
    apiUrl,
    proxyUrl,
    proxyPort,
    router,
    compute,
    temporal,
    worker,
    adminToken,
    secrets,
    taskQueue,
    containers,
    cluster,
    tenantToken: async (tenantId) => (await createToken(db, { name: `tenant-${tenantId}`, role: 'tenant', tenantId })).token,
    async close() {
      await api.close();
      await dispatcher.stop();
      worker.shutdown();
      await workerRun;
      // Stop every app process this stack started, whatever state the test left it in.
      const files = await fs.readdir(path.join(tmp, 'compute')).catch(() => [] as string[]);
      for (const f of files.filter((n) => n.endsWith('.json'))) await compute.stop(f.slice(0, -5), { graceMs: 1000 });
      // Drains the real node (its pods go through kubelet) and leaves no iptables rules, mounts or bridge.
      await cluster?.stop();
      await containers?.close();
      await proxy?.close();
      await temporal.close();
      await db.destroy();
      await database.drop();
      await fs.rm(tmp, { recursive: true, force: true });
    },
  };
}
