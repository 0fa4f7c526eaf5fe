import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './bootstrap/embeddedPostgres';
import { superviseChild, type SupervisedChild } from './bootstrap/superviseChild';
import { ensureTemporalCli } from './bootstrap/temporalCli';
import { startTemporalDevServer, type TemporalDevServer } from './bootstrap/temporalDevServer';
import { createLocalComputeProvider } from '../compute/local/localProvider';
import { loadConfig } from './config';
import { dataPaths } from './dataPaths';
import { createDb } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { ensureAdminToken } from './adminToken';
import { createLogger } from './logger';
import { stopAllApps } from './stopAllApps';
import { waitForHttp } from './waitForHttp';

/**
 * `npm start`: everything on one machine. Embedded Postgres and the Temporal dev server
 * unless DATABASE_URL / TEMPORAL_ADDRESS point elsewhere, then migrations, then the
 * router, worker and API as supervised child processes (so a crash of one restarts it
 * without touching the others). Ctrl-C stops them in reverse order.
 */
/** Undo steps, run in reverse on Ctrl-C and after a failed start alike. */
const cleanups: { what: string; run: () => Promise<unknown> }[] = [];
let stopping = false;

async function stop(reason: string, exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`slipway: stopping (${reason})...\n`);
  // Something must keep the event loop alive while children exit, or Node would end
  // the process with cleanups still pending.
  const keepAlive = setInterval(() => undefined, 1000);
  for (const cleanup of cleanups.reverse()) {
    process.stdout.write(`slipway: stopping ${cleanup.what}\n`);
    await cleanup
      .run()
      .catch((err) =>
        process.stderr.write(`slipway: stopping ${cleanup.what} failed: ${err instanceof Error ? err.message : String(err)}\n`),
      );
  }
  clearInterval(keepAlive);
  process.stdout.write('slipway: stopped\n');
  process.exit(exitCode);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('slipway', config.logLevel, config.logFormat);
  const paths = dataPaths(config.dataDir);
  await fs.mkdir(config.dataDir, { recursive: true, mode: 0o755 });
  await fs.chmod(config.dataDir, 0o755);

  process.on('SIGINT', () => void stop('SIGINT', 0));
  process.on('SIGTERM', () => void stop('SIGTERM', 0));

  let pg: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) {
    step('starting embedded Postgres');
    pg = await startEmbeddedPostgres({ dataDir: paths.postgres, port: 0, logger, databaseName: 'slipway' });
    cleanups.push({ what: 'Postgres', run: () => pg!.stop() });
  }
  const databaseUrl = config.databaseUrl ?? pg!.url;

  let temporal: TemporalDevServer | undefined;
  if (!config.temporalAddress) {
    step('starting the Temporal dev server');
    const cliPath = await ensureTemporalCli({ logger });
    temporal = await startTemporalDevServer({
      cliPath,
      dbFile: paths.temporalDb,
      port: config.temporalPort,
      uiPort: config.temporalUiPort,
      namespace: config.namespace,
      logger,
    });
    cleanups.push({ what: 'the Temporal dev server', run: () => temporal!.stop() });
  }
  const temporalAddress = config.temporalAddress ?? temporal!.address;

  step('migrating the database');
  const db = createDb(databaseUrl, { max: 2 });
  const applied = await migrateToLatest(db);
  const token = await ensureAdminToken(db, paths.adminToken);
  await db.destroy();
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');

  const env = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, SLIPWAY_DATA_DIR: config.dataDir };
  const spawnChild = (name: string): SupervisedChild => {
    const child = superviseChild({
      name,
      command: process.execPath,
      args: ['--import', 'tsx', path.join(__dirname, 'processes', `${name}.ts`)],
      env,
      logger,
      restart: true,
    });
    cleanups.push({ what: name, run: () => child.stop('SIGTERM', 20_000) });
    return child;
  };

  step('starting router, worker and API');
  spawnChild('router');
  await waitForHttp(`${config.routerAdminUrl}/healthz`, 30_000);
  // App processes outlive a worker crash on purpose; a deliberate stop of the whole
  // platform stops them too (the worker starts them again on the next `npm start`).
  cleanups.push({
    what: 'app processes',
    run: async () => {
      const n = await stopAllApps(createLocalComputeProvider({ stateDir: paths.compute, logger }), paths.compute, 10_000);
      if (n > 0) logger.info({ apps: n }, 'stopped app processes');
    },
  });
  spawnChild('worker');
  spawnChild('api');
  await waitForHttp(`http://127.0.0.1:${config.apiPort}/healthz`, 60_000);

  const lines = [
    '',
    'Slipway is up.',
    `  API             http://localhost:${config.apiPort}   (admin token: ${token.file})`,
    `  Router          http://<deployment-id>.${config.routeDomain}:${config.routerPort}`,
    `  Temporal        ${temporalAddress}${temporal?.uiUrl ? `   UI ${temporal.uiUrl}` : ''}`,
    `  Postgres        ${redactUrl(databaseUrl)}`,
    `  Data directory  ${config.dataDir}`,
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));

  function step(what: string) {
    process.stdout.write(`slipway: ${what}...\n`);
  }
}

function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

main().catch((err) => {
  process.stderr.write(`slipway: ${err instanceof Error ? err.message : String(err)}\n`);
  void stop('start failed', 1);
});
