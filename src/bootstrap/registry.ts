import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';
import { waitForHttp } from '../waitForHttp';
import { concretePort } from './freeTcpPort';
import { startServerChild } from './serverChild';

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

  // v3 exports OpenTelemetry traces to localhost:4318 by default and logs an error every 5 s when nothing listens.
  const env = { ...process.env, OTEL_TRACES_EXPORTER: 'none' };
  const child = startServerChild({
    what: 'The OCI registry',
    command: binary,
    args: ['serve', configFile],
    env,
    logger,
    stopGraceMs: STOP_GRACE_MS,
    onLine: (line, _stream, stopping) => {
      // Expected noise: the "no HTTP secret" warning for one instance, and a line per 404 answer
      // (an exists() check on a removed image is a normal question, not an error).
      if (stopping || /No HTTP secret provided|response completed with error/.test(line)) logger.debug({ source: 'registry' }, line);
      else logger.warn({ source: 'registry' }, line);
    },
  });
  const url = `http://${host}`;
  await child.whenReady(waitForHttp(`${url}/v2/`, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS));
  logger.debug({ url }, 'OCI registry ready');
  return { url, host, pid: child.pid, configFile, stop: child.stop };
}
