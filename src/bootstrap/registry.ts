import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';
import { waitForHttp } from '../waitForHttp';
import { concretePort } from './freeTcpPort';
import { forEachLine } from './serverLog';

/**
 * Runs the CNCF distribution registry on loopback with its blobs in the data directory
 * (CONTAINERS.md §5). Delete is enabled so retention can remove manifests; the registry's own
 * `garbage-collect` then frees the blobs they referenced.
 */
export interface LocalRegistryOptions {
  binary: string;
  /** Holds registry.yml and the blob store (`storage/`). */
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  logger: Logger;
  readyTimeoutMs?: number;
}

export interface LocalRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, the host part of image references. */
  host: string;
  pid: number | undefined;
  configFile: string;
  stop(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const TAIL_LINES = 30;

export function registryConfig(storageDir: string, host: string): string {
  // JSON is YAML; no quoting surprises with odd characters in paths.
  return `${JSON.stringify(
    {
      version: 0.1,
      log: { level: 'warn', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: storageDir }, delete: { enabled: true } },
      http: { addr: host },
    },
    null,
    2,
  )}\n`;
}

export async function startLocalRegistry(options: LocalRegistryOptions): Promise<LocalRegistry> {
  const { binary, logger } = options;
  const dataDir = path.resolve(options.dataDir);
  const port = await concretePort(options.port ?? 0);
  const host = `127.0.0.1:${port}`;
  const storageDir = path.join(dataDir, 'storage');
  const configFile = path.join(dataDir, 'registry.yml');
  await fs.mkdir(storageDir, { recursive: true, mode: 0o700 });
  await fs.writeFile(configFile, registryConfig(storageDir, host), { mode: 0o600 });

  // Own process group, so a terminal's Ctrl-C reaches only the supervisor, which stops it last.
  // v3 exports OpenTelemetry traces to localhost:4318 by default and logs an error every 5 s when nothing listens.
  const env = { ...process.env, OTEL_TRACES_EXPORTER: 'none' };
  const child = spawn(binary, ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env });
  const tail: string[] = [];
  let stopping = false;
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    // Expected noise: the "no HTTP secret" warning for one instance, and a line per 404 answer
    // (an exists() check on a removed image is a normal question, not an error).
    if (stopping || /No HTTP secret provided|response completed with error/.test(line)) logger.debug({ source: 'registry' }, line);
    else logger.warn({ source: 'registry' }, line);
  };
  forEachLine(child.stdout, onLine);
  forEachLine(child.stderr, onLine);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    stopping = true;
    process.removeListener('exit', killOnExit);
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const url = `http://${host}`;
  const earlyExit = exited.then(({ code, signal }) => {
    throw new Error(`The OCI registry exited before it was ready (code ${code}, signal ${signal}). Last output:\n${tail.join('\n')}`);
  });
  try {
    await Promise.race([waitForHttp(`${url}/v2/`, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS), earlyExit, spawnFailed]);
  } catch (err) {
    await stop();
    throw err;
  }
  void exited.then(({ code, signal }) => {
    if (!stopping) logger.warn({ code, signal }, 'the OCI registry exited');
  });
  logger.debug({ url }, 'OCI registry ready');
  return { url, host, pid: child.pid, configFile, stop };
}
