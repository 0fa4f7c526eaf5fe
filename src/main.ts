import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './bootstrap/embeddedPostgres';
import { superviseChild, type SupervisedChild } from './bootstrap/superviseChild';
import { startLocalTemporal, type LocalTemporal } from './bootstrap/startTemporal';
import { TemporalCliUnavailableError } from './bootstrap/temporalCli';
import { TemporalServerUnavailableError } from './bootstrap/temporalServerBinaries';
import { replicaPlan } from './bootstrap/replicaPlan';
import { connectEngine } from '../compute/docker/engineClient';
import { EngineFirewallError } from './bootstrap/engineFirewall';
import { startPodmanEngine } from './bootstrap/podmanService';
import { PODMAN_INSTALL_HINT, PodmanMissingError } from './bootstrap/podmanPackages';
import { insecureRegistries } from './startup/containerEngine';
import { createComputeProvider } from './computeProvider';
import { stopAllContainers } from './stopAllContainers';
import { startLocalRegistry } from './bootstrap/registry';
import { ensureRegistryBinary } from './bootstrap/registryBinary';
import { loadConfig, localUrlHost, type Config } from './config';
import { haproxySettings } from './trafficRouter';
import { findHaproxy, haproxyArgs } from '../traffic/haproxy/haproxyBinary';
import { haproxyPaths } from '../traffic/haproxy/haproxyConfig';
import { prepareHaproxyFiles } from '../traffic/haproxy/haproxyFiles';
import { dataPaths } from './dataPaths';
import { createDb } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { ensureAdminToken } from './adminToken';
import { createLogger, type Logger } from './logger';
import { stopAllApps } from './stopAllApps';
import { waitForHttp } from './waitForHttp';
import { awaitWorkerPolling } from './startup/awaitWorkerPolling';
import { preflight, redact } from './startup/preflight';
import { serviceFailure, startupLine, StartupFailure } from './startup/startupFailure';

/**
 * `npm start`: everything on one machine. Embedded Postgres and the Temporal dev server
 * unless DATABASE_URL / TEMPORAL_ADDRESS point elsewhere, then migrations, then the
 * router, worker and API as supervised child processes (so a crash of one restarts it
 * without touching the others). Ctrl-C stops them in reverse order.
 */
/** Undo steps, run in reverse on Ctrl-C and after a failed start alike. */
const cleanups: { what: string; run: () => Promise<unknown> }[] = [];
let stopping = false;
/** Building the workflow bundle takes a while on a loaded 2-core machine. */
const WORKER_READY_TIMEOUT_MS = 180_000;

async function stop(reason: string, exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Nothing started yet (a failed preflight): the one failure line says it all.
  if (cleanups.length === 0) process.exit(exitCode);
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

/** Set once the config is parsed: a failure then prints its details at LOG_LEVEL=debug. */
let debug = false;

async function main(): Promise<void> {
  const config = loadConfig();
  debug = ['debug', 'trace'].includes(config.logLevel);
  const logger = createLogger('slipway', config.logLevel, config.logFormat);
  const paths = dataPaths(config.dataDir);
  await preflight(config);
  await prepareDataDir(config.dataDir, paths);

  process.on('SIGINT', () => void stop('SIGINT', 0));
  process.on('SIGTERM', () => void stop('SIGTERM', 0));

  let pg: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) {
    step('starting embedded Postgres');
    pg = await startEmbeddedPostgres({ dataDir: paths.postgres, port: 0, logger, databaseName: 'slipway' }).catch((err: unknown) => {
      throw serviceFailure('embedded Postgres', err, 'fix the cause in those lines, or point DATABASE_URL at another Postgres');
    });
    cleanups.push({ what: 'Postgres', run: () => pg!.stop() });
  }
  const databaseUrl = config.databaseUrl ?? pg!.url;

  let temporal: LocalTemporal | undefined;
  if (!config.temporalAddress) {
    const what = config.temporal === 'server' ? 'the Temporal server' : 'the Temporal dev server';
    step(`starting ${what.replace(/^the /, '')}`);
    temporal = await startLocalTemporal({ config, postgresUrl: databaseUrl, logger }).catch((err: unknown) => {
      // A missing binary has its own line (how to get it); anything else is a server that would not start.
      if (err instanceof TemporalCliUnavailableError || err instanceof TemporalServerUnavailableError) throw err;
      throw serviceFailure(what, err, 'fix the cause in those lines, or point TEMPORAL_ADDRESS at a running Temporal');
    });
    cleanups.push({ what: temporal.what, run: () => temporal!.stop() });
  }
  const temporalAddress = config.temporalAddress ?? temporal!.address;

  const registryUrl = await embeddedRegistry(config, paths, logger);

  step('migrating the database');
  const db = createDb(databaseUrl, { max: 2 });
  const applied = await migrateToLatest(db);
  const token = await ensureAdminToken(db, paths.adminToken);
  await db.destroy();
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');

  // After the registry: the engine's registries.conf must name it before the service starts.
  const dockerHost = config.compute === 'docker' ? await containerEngine(config, paths.containers, registryUrl, logger) : undefined;

  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    SLIPWAY_DATA_DIR: config.dataDir,
    ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}),
    ...(registryUrl ? { SLIPWAY_REGISTRY: registryUrl } : {}),
  };
  const spawnChild = (name: string, label = name, extraEnv: NodeJS.ProcessEnv = {}): SupervisedChild => {
    const child = superviseChild({
      name: label,
      command: process.execPath,
      args: ['--import', 'tsx', path.join(__dirname, 'processes', `${name}.ts`)],
      env: { ...env, ...extraEnv },
      logger,
      restart: true,
    });
    cleanups.push({ what: label, run: () => child.stop('SIGTERM', 20_000) });
    return child;
  };

  step('starting router, worker and API');
  if (config.router === 'haproxy') await superviseHaproxy(config, logger);
  else if (config.router === 'builtin') spawnChild('router');
  // kubernetes: no proxy here; the cluster's Services carry the traffic (README "Kubernetes").
  if (config.router !== 'kubernetes') await waitForHttp(`${config.routerAdminUrl}/healthz`, 30_000);
  // App processes outlive a worker crash on purpose; a deliberate stop of the whole
  // platform stops them too (the worker starts them again on the next `npm start`).
  cleanups.push({
    what: 'app processes',
    run: async () => {
      const n = dockerHost
        ? await stopAllContainers(createComputeProvider({ ...config, dockerHost }, logger), connectEngine(dockerHost), 10_000)
        : await stopAllApps(createComputeProvider(config, logger), paths.compute, 10_000);
      if (n > 0) logger.info({ apps: n }, 'stopped app processes');
    },
  });
  const replicas = replicaPlan(config);
  const workers = replicas.workers.map((r) => spawnChild(r.process, r.label, r.env));
  for (const r of replicas.apis) spawnChild(r.process, r.label, r.env);
  await Promise.all(replicas.apiPorts.map((port) => waitForHttp(`http://${localUrlHost(config.apiHost)}:${port}/healthz`, 60_000)));
  // "Up" means a deploy starts at once: a worker has built its bundle and polls.
  step('waiting for the worker to poll its task queue');
  await awaitWorkerPolling({
    address: temporalAddress,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    workerPid: () => workers[0].pid(),
    timeoutMs: WORKER_READY_TIMEOUT_MS,
  });

  const lines = [
    '',
    'Slipway is up.',
    `  API             ${replicas.apiPorts.map((port) => `http://${localUrlHost(config.apiHost)}:${port}`).join(' ')}   (admin token: ${token.file})`,
    `  Dashboard       http://${localUrlHost(config.apiHost)}:${replicas.apiPorts[0]}/   (sign in with the admin token, or a tenant token)`,
    `  Router          http://<deployment-id>.${config.routeDomain}:${config.routerPort}`,
    `  Temporal        ${temporalAddress}${temporal ? ` (${temporal.what.replace(/^the /, '')})` : ''}${temporal?.uiUrl ? `   UI ${temporal.uiUrl}` : ''}`,
    `  Postgres        ${redact(databaseUrl)}`,
    ...(registryUrl ? [`  Registry        ${registryUrl}`] : []),
    ...(dockerHost ? [`  Containers      DOCKER_HOST=${dockerHost}   (the docker CLI works against it)`] : []),
    `  Data directory  ${config.dataDir}${paths.outward !== config.dataDir ? `   (Postgres, artifacts, app homes: ${paths.outward})` : ''}`,
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));

  function step(what: string) {
    process.stdout.write(`slipway: ${what}...\n`);
  }
}

/** The embedded OCI registry when asked for (SLIPWAY_REGISTRY=embedded, or SLIPWAY_COMPUTE=docker); its URL then goes to the children. */
async function embeddedRegistry(config: Config, paths: ReturnType<typeof dataPaths>, logger: Logger): Promise<string | undefined> {
  if (!config.registry?.embedded) return config.registry?.url;
  process.stdout.write('slipway: starting the OCI registry...\n');
  const binary = await ensureRegistryBinary({ logger });
  const registry = await startLocalRegistry({ binary, dataDir: paths.registry, logger }).catch((err: unknown) => {
    throw serviceFailure('the OCI registry', err, 'fix the cause in those lines, or point SLIPWAY_REGISTRY at a running registry');
  });
  cleanups.push({ what: 'OCI registry', run: () => registry.stop() });
  return registry.url;
}

/**
 * Postgres and the app users must pass through the data directory (to their cluster, their
 * artifacts and homes) but never list it; what is Slipway's alone is closed to them.
 */
async function prepareDataDir(dataDir: string, paths: ReturnType<typeof dataPaths>): Promise<void> {
  for (const dir of new Set([dataDir, path.dirname(paths.outward), paths.outward])) {
    await fs.mkdir(dir, { recursive: true, mode: 0o711 });
    if (dir !== path.dirname(dataDir)) await fs.chmod(dir, 0o711);
  }
  for (const own of [paths.compute, path.dirname(paths.routerState), path.dirname(paths.temporalDb), paths.haproxy]) {
    await fs.mkdir(own, { recursive: true, mode: 0o700 });
    await fs.chmod(own, 0o700);
  }
}

/** The engine the worker's docker provider talks to: the operator's DOCKER_HOST, else Podman's API service started here. */
async function containerEngine(config: Config, dataDir: string, registryUrl: string | undefined, logger: Logger): Promise<string> {
  // An operator's engine was checked by preflight.
  if (config.dockerHost) return config.dockerHost;
  process.stdout.write('slipway: starting the container engine (Podman API service)...\n');
  const engine = await startPodmanEngine({ dataDir, insecureRegistries: insecureRegistries(registryUrl), logger }).catch((err: unknown) => {
    if (err instanceof PodmanMissingError || err instanceof EngineFirewallError) {
      throw new StartupFailure(
        err.message.replace(/; run.*$/, ''),
        `${err.message.match(/run[^;]*$/)?.[0] ?? `run as root: ${PODMAN_INSTALL_HINT}`}, or set DOCKER_HOST to a running Docker Engine API`,
        err,
      );
    }
    throw serviceFailure('the Podman API service', err, 'fix the cause in those lines, or set DOCKER_HOST to a running Docker Engine API');
  });
  cleanups.push({ what: 'the Podman API service', run: () => engine.stop() });
  return engine.dockerHost;
}

/** HAProxy from PATH, on files rendered from the routes the worker saved; a restart reads them again. */
async function superviseHaproxy(config: Config, logger: Logger): Promise<void> {
  const settings = haproxySettings(config);
  const binary = findHaproxy();
  await prepareHaproxyFiles(settings);
  const child = superviseChild({
    name: 'haproxy',
    command: binary,
    args: haproxyArgs(haproxyPaths(settings.dir), settings.errorLog),
    logger,
    restart: true,
  });
  cleanups.push({ what: 'haproxy', run: () => child.stop('SIGTERM', 20_000) });
}

main().catch((err: unknown) => {
  if (debug) process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.stderr.write(`${startupLine(err)}\n`);
  void stop('start failed', 1);
});
