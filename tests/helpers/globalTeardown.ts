import { promises as fs } from 'node:fs';
import { STACK_KEY, type TestStack } from './globalSetup';
import { stopPostgresIfRunning } from './postgresControl';

/** Stops what globalSetup started; each step runs even if another fails. */
export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as Record<string, unknown>)[STACK_KEY] as TestStack | undefined;
  if (!stack) return;
  delete (globalThis as Record<string, unknown>)[STACK_KEY];
  const results = await Promise.allSettled([stack.temporal?.stop(), stopPostgres(stack)]);
  await fs.rm(stack.tmpDir, { recursive: true, force: true });
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

/**
 * A test may have restarted the cluster with pg_ctl (tests/crash/postgresRestart.test.ts):
 * the postmaster the library spawned is then gone and a detached one runs in its place,
 * which the library's stop() cannot see. pg_ctl stops whatever postmaster.pid names.
 */
async function stopPostgres(stack: TestStack): Promise<void> {
  try {
    await stack.postgres?.stop();
  } finally {
    const dataDir = stack.postgresDataDir;
    const binDir = process.env.SLIPWAY_TEST_PG_BIN_DIR;
    if (dataDir && binDir) await stopPostgresIfRunning({ dataDir, binDir });
  }
}
