import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type Activities, type ActivityDeps } from '../../activities';
import { createArtifactStore, type ArtifactStore } from '../../compute/local/artifactStore';
import { createLocalComputeProvider } from '../../compute/local/localProvider';
import { createDb, type Db } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { SecretCipher } from '../../db/secretCipher';
import { newOperationRow } from '../../db/operationRow';
import { insertApp, insertRelease } from '../../db/queries/apps';
import { insertDeployment } from '../../db/queries/deployments';
import { insertOperation } from '../../db/queries/operations';
import type { Deployment, NewDeployment, Operation } from '../../db/schema';
import type { OperationKind } from '../../domain/operations';
import { systemClock } from '../../ports/clock';
import { noFaults } from '../../ports/faultPoints';
import { createLogger } from '../../src/logger';
import type { BuiltinRouter } from '../../traffic/builtin/builtinRouter';
import { helloRelease } from './hello';
import { startLoopbackRouter } from './loopbackRouter';
import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import { createTestDatabase, type TestDatabase } from './testDatabase';

/**
 * Activities run in this process through MockActivityEnvironment (no Temporal server, no
 * worker), over the real parts they are written against: a fresh migrated Postgres
 * database, the built-in router on free loopback ports, the local compute provider.
 */
export interface ActivityHarness {
  db: Db;
  deps: ActivityDeps;
  acts: Activities;
  router: BuiltinRouter;
  artifacts: ArtifactStore;
  /** Runs one activity in a fresh mock activity context. */
  run<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R>;
  /** An app with release 1.0.0 of hello-app's manifest and a pending deployment of it. */
  seedDeployment(patch?: Partial<NewDeployment>): Promise<Deployment>;
  seedOperation(d: Deployment, kind: OperationKind, toVersion: string | null): Promise<Operation>;
  close(): Promise<void>;
}

const MANIFEST = {
  services: [{ name: 'web', command: ['node', 'server.js'], portEnv: 'PORT', readiness: { path: '/healthz', timeoutSeconds: 7 } }],
  env: {},
};

export async function startActivityHarness(): Promise<ActivityHarness> {
  const logger = createLogger('test', process.env.SLIPWAY_TEST_LOG_LEVEL ?? 'warn');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-activities-'));
  // Like a data directory: app users pass through to their artifacts and homes, but cannot list it.
  await fs.chmod(tmp, 0o711);
  const database: TestDatabase = await createTestDatabase();
  const db = createDb(database.url);
  await migrateToLatest(db);
  const router = await startLoopbackRouter(tmp, logger);
  const artifacts = createArtifactStore(path.join(tmp, 'artifacts'));
  const deps: ActivityDeps = {
    db,
    compute: createLocalComputeProvider({ stateDir: path.join(tmp, 'compute'), logger }),
    router: createHttpRouterClient({ adminUrl: router.adminUrl, adminSecret: router.adminSecret }),
    secrets: new SecretCipher(randomBytes(32)),
    artifacts,
    clock: systemClock,
    logger,
    faults: noFaults,
    settings: {
      readinessIntervalMs: 250,
      readinessTimeoutSeconds: 30,
      stopGraceMs: 2000,
      rollbackWindowSeconds: 600,
      drainTimeoutSeconds: 5,
    },
  };
  let seq = 0;
  const app = await insertApp(db, { slug: 'hello', name: 'Hello' });
  if (!app) throw new Error('could not seed the app');
  await insertRelease(db, { appId: app.id, version: '1.0.0', manifest: MANIFEST, artifactDigest: 'sha256:00' });
  await insertRelease(db, { appId: app.id, version: '2.0.0', manifest: MANIFEST, artifactDigest: 'sha256:00' });

  return {
    db,
    deps,
    acts: createActivities(deps),
    router,
    artifacts,
    // The SDK logs every expected failure at WARN; the assertions say what matters.
    run: (fn, ...args) => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(fn, ...args),
    seedDeployment: (patch = {}) => {
      const id = `d-act${++seq}`;
      return insertDeployment(db, {
        id,
        tenant_id: 'acme',
        app_id: app.id,
        name: id,
        hostname: `${id}.localhost`,
        release_version: '1.0.0',
        serving_version: null,
        previous_version: null,
        status: 'pending',
        strategy: 'blue_green',
        active_slot: null,
        serving_config_revision: null,
        last_error: null,
        ...patch,
      });
    },
    seedOperation: (d, kind, toVersion) =>
      insertOperation(db, newOperationRow({ id: `op-act${++seq}`, deployment: d, kind, trigger: 'api', actor: 'test', toVersion })),
    close: async () => {
      await router.close();
      await db.destroy();
      await database.drop();
      await fs.rm(tmp, { recursive: true, force: true });
    },
  };
}

/** A harness whose seeded app also has hello-app itself published as release 3.0.0: for tests that run a real revision process. */
export async function startHarnessWithHelloRelease(): Promise<ActivityHarness> {
  const h = await startActivityHarness();
  const { digest } = await h.artifacts.put(path.join(__dirname, '../../examples/hello-app'));
  const app = (await h.seedDeployment()).app_id;
  await insertRelease(h.db, { appId: app, version: '3.0.0', manifest: helloRelease(1).manifest, artifactDigest: digest });
  return h;
}

/** Stops the revision processes a test started, then the harness. */
export async function stopStartedAndClose(h: ActivityHarness | undefined, started: string[]): Promise<void> {
  if (!h) return;
  for (const key of started) await h.deps.compute.stop(key, { graceMs: 2000 });
  await h.close();
}
