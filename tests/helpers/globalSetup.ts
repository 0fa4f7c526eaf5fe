import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { createLogger, type Logger } from '../../src/logger';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/bootstrap/embeddedPostgres';
import { ensureTemporalCli } from '../../src/bootstrap/temporalCli';
import { startTemporalDevServer } from '../../src/bootstrap/temporalDevServer';
import { startTemporalServer } from '../../src/bootstrap/temporalServer';
import { ensureTemporalServerBinaries } from '../../src/bootstrap/temporalServerBinaries';
import { ensureRegistryBinary } from '../../src/bootstrap/registryBinary';
import { ensureHaproxy } from './ensureHaproxy';
import { ensurePodmanPackages } from '../../src/bootstrap/podmanPackages';

/**
 * One Postgres, one Temporal dev server and one workflow bundle for the whole jest run
 * (jest.config.js). Test files learn about them through SLIPWAY_TEST_* variables, which
 * jest copies into every test environment; the handles stay on globalThis for teardown.
 * DATABASE_URL / TEMPORAL_ADDRESS, when set by the developer, are used instead.
 * SLIPWAY_TEST_TEMPORAL=server runs the real Temporal server on that Postgres instead of the dev server.
 */
export interface TestStack {
  tmpDir: string;
  postgres?: EmbeddedPostgres;
  /** Set when `postgres` runs: a test may restart that cluster with pg_ctl (teardown then stops it). */
  postgresDataDir?: string;
  temporal?: { address: string; stop(): Promise<void> };
}

export const STACK_KEY = '__SLIPWAY_TEST_STACK__';

/**
 * On a signal Node leaves without running 'exit' handlers, and the servers below run in
 * their own process groups (a terminal's Ctrl-C must not reach them first), so a run killed
 * by CI or by hand would leave them running. Exiting instead runs the exit hooks, which
 * kill them: Postgres, the Temporal server, and what suites start (the real node, Podman's
 * service, the registry).
 */
function exitOnSignals(): void {
  const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  for (const [signal, code] of Object.entries(codes)) process.once(signal, () => process.exit(code));
}

export default async function globalSetup(): Promise<void> {
  exitOnSignals();
  const logger = createLogger('test-stack', process.env.SLIPWAY_TEST_LOG_LEVEL ?? 'warn');
  const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-test-'));
  // mkdtemp makes 0700; Postgres runs as the `postgres` user when we are root and must get in.
  await fs.chmod(tmpDir, 0o755);
  const stack: TestStack = { tmpDir };
  (globalThis as Record<string, unknown>)[STACK_KEY] = stack;

  ensureHaproxy();
  // The container suites need Podman: installed with apt-get here when missing (root), never skipped.
  const podman = ensurePodmanPackages();
  const database = startDatabase(stack, logger);
  // The real server keeps its state in the test Postgres, so it waits for it; the dev server does not.
  const temporal =
    process.env.SLIPWAY_TEST_TEMPORAL === 'server' ? database.then(() => startTemporal(stack, logger)) : startTemporal(stack, logger);
  const bundle = bundleWorkflows(tmpDir, logger);
  // Built once into the cache (minutes when cold): here rather than in a suite's beforeAll, whose timeout is 2 minutes.
  const registry = ensureRegistryBinary({ logger });
  // allSettled: if one fails, the others are still recorded on `stack` so teardown stops them.
  const results = await Promise.allSettled([database, temporal, bundle, registry, podman]);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

async function startDatabase(stack: TestStack, logger: Logger): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.SLIPWAY_TEST_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const dataDir = path.join(stack.tmpDir, 'postgres');
  stack.postgres = await startEmbeddedPostgres({ dataDir, port: 0, logger, databaseName: 'slipway' });
  stack.postgresDataDir = dataDir;
  process.env.SLIPWAY_TEST_DATABASE_URL = stack.postgres.adminUrl;
  // For tests that restart the server under a running operation (tests/crash/postgresRestart).
  process.env.SLIPWAY_TEST_PG_DATA_DIR = dataDir;
  process.env.SLIPWAY_TEST_PG_BIN_DIR = await postgresBinDir(dataDir);
}

/** postmaster.opts starts with the absolute path of the running postgres binary; pg_ctl sits beside it. */
export async function postgresBinDir(dataDir: string): Promise<string> {
  const opts = await fs.readFile(path.join(dataDir, 'postmaster.opts'), 'utf8');
  const binary = /^\s*"?([^"\s]+)/.exec(opts)?.[1];
  if (!binary) throw new Error(`cannot read the postgres binary from ${dataDir}/postmaster.opts`);
  return path.dirname(binary);
}

async function startTemporal(stack: TestStack, logger: Logger): Promise<void> {
  if (process.env.TEMPORAL_ADDRESS) {
    process.env.SLIPWAY_TEST_TEMPORAL_ADDRESS = process.env.TEMPORAL_ADDRESS;
    process.env.SLIPWAY_TEST_NAMESPACE = process.env.TEMPORAL_NAMESPACE ?? 'default';
    return;
  }
  if (process.env.SLIPWAY_TEST_TEMPORAL === 'server') {
    const postgresUrl = process.env.SLIPWAY_TEST_DATABASE_URL as string;
    stack.temporal = await startTemporalServer({
      binaries: await ensureTemporalServerBinaries({ logger }),
      postgresUrl,
      dir: path.join(stack.tmpDir, 'temporal-server'),
      port: 0,
      namespace: 'default',
      logger,
      // A developer's DATABASE_URL server may hold an `npm start` server's databases already.
      databaseName: stack.postgres ? 'temporal' : `temporal_test_${process.pid}`,
    });
    process.env.SLIPWAY_TEST_TEMPORAL_ADDRESS = stack.temporal.address;
    process.env.SLIPWAY_TEST_NAMESPACE = 'default';
    return;
  }
  const cliPath = await ensureTemporalCli({ logger });
  stack.temporal = await startTemporalDevServer({
    cliPath,
    dbFile: path.join(stack.tmpDir, 'temporal', 'dev.sqlite'),
    port: 0,
    headless: true,
    namespace: 'default',
    logger,
  });
  process.env.SLIPWAY_TEST_TEMPORAL_ADDRESS = stack.temporal.address;
  process.env.SLIPWAY_TEST_NAMESPACE = 'default';
}

/**
 * Bundling once here instead of per test file saves seconds per worker (TEMPORAL.md §5).
 * A missing or broken workflows/ must not fail unrelated tests, so the error is handed to
 * the tests that ask for the bundle (tests/helpers/temporalEnv.ts) instead of thrown here.
 */
async function bundleWorkflows(tmpDir: string, logger: Logger): Promise<void> {
  try {
    const codePath = await bundleWorkflowsTo(resolveWorkflowsPath(), tmpDir);
    process.env.SLIPWAY_TEST_WORKFLOW_BUNDLE = codePath;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger.warn({ err }, 'could not bundle workflows; tests that need them will fail');
    process.env.SLIPWAY_TEST_WORKFLOW_BUNDLE_ERROR = message;
  }
}

export async function bundleWorkflowsTo(workflowsPath: string, outDir: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const codePath = path.join(outDir, 'workflow-bundle.js');
  await fs.writeFile(codePath, code);
  return codePath;
}

function resolveWorkflowsPath(): string {
  return require.resolve('../../workflows');
}
