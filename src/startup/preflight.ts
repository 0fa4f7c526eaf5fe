import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config';
import { checkEngine } from './containerEngine';
import { portOwner } from './portOwner';
import { StartupFailure } from './startupFailure';

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * What `npm start` checks before it starts anything, so that a failure names its cause
 * and its fix instead of surfacing as a stack trace from deep inside a child process.
 */
export async function preflight(config: Config): Promise<void> {
  await checkDataDirWritable(config.dataDir);
  const ports: [number, string, string][] = [
    [config.apiPort, 'the API', 'SLIPWAY_API_PORT'],
    [config.routerPort, 'the router', 'SLIPWAY_ROUTER_PORT'],
    [config.routerAdminPort, "the router's admin API", 'SLIPWAY_ROUTER_ADMIN_PORT'],
  ];
  if (!config.temporalAddress) {
    ports.push([config.temporalPort, 'the Temporal dev server', 'SLIPWAY_TEMPORAL_PORT']);
    ports.push([config.temporalUiPort, 'the Temporal UI', 'SLIPWAY_TEMPORAL_UI_PORT']);
  }
  for (const [port, what, variable] of ports) await checkPortFree(port, what, variable);
  if (config.databaseUrl) await checkDatabase(config.databaseUrl);
  if (config.temporalAddress) await checkTemporal(config.temporalAddress);
  if (config.compute === 'docker' && config.dockerHost) await checkEngine(config.dockerHost);
}

async function checkDataDirWritable(dataDir: string): Promise<void> {
  const probe = path.join(dataDir, `.write-test-${randomBytes(4).toString('hex')}`);
  try {
    await fs.mkdir(dataDir, { recursive: true, mode: 0o711 });
    await fs.writeFile(probe, '');
    await fs.rm(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new StartupFailure(
      `the data directory ${dataDir} is not writable (${code})`,
      'set SLIPWAY_DATA_DIR to a folder Slipway may write (a read-only checkout works with SLIPWAY_DATA_DIR elsewhere)',
      err,
    );
  }
}

async function checkPortFree(port: number, what: string, variable: string): Promise<void> {
  if (port === 0) return;
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const server = net.createServer();
    server.once('error', (err) => resolve(err));
    // No host: the same wildcard bind the API does, so a listener on any address counts.
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(null)));
  });
  if (!error) return;
  if (error.code !== 'EADDRINUSE')
    throw new StartupFailure(`port ${port} for ${what} cannot be used (${error.code})`, `choose another with ${variable}`);
  const owner = await portOwner(port);
  const by = owner ? `pid ${owner.pid} (${owner.command})` : 'another process';
  throw new StartupFailure(`port ${port} for ${what} is in use by ${by}`, `stop it, or move ${what} with ${variable}=<free port>`);
}

async function checkDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await client.connect();
  } catch (err) {
    throw new StartupFailure(
      `DATABASE_URL ${redact(databaseUrl)} is unreachable (${reason(err)})`,
      'start that Postgres or fix the URL, or unset DATABASE_URL to use the embedded Postgres',
      err,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkTemporal(address: string): Promise<void> {
  const [host, portText] = address.includes(':')
    ? [address.slice(0, address.lastIndexOf(':')), address.slice(address.lastIndexOf(':') + 1)]
    : [address, '7233'];
  const error = await new Promise<Error | null>((resolve) => {
    const socket = net.connect({ host: host.replace(/^\[|\]$/g, ''), port: Number(portText), timeout: CONNECT_TIMEOUT_MS });
    socket.once('connect', () => (socket.destroy(), resolve(null)));
    socket.once('timeout', () => (socket.destroy(), resolve(new Error('timed out'))));
    socket.once('error', (err) => resolve(err));
  });
  if (error) {
    throw new StartupFailure(
      `TEMPORAL_ADDRESS ${address} is unreachable (${reason(error)})`,
      'start Temporal there or fix the address, or unset TEMPORAL_ADDRESS to use the Temporal dev server',
      error,
    );
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { errors?: NodeJS.ErrnoException[] };
  // A 5-character code is Postgres's SQLSTATE (e.g. 28P01): its message says more than the code.
  if (e.code && !/^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return e.errors?.[0]?.code ?? (err instanceof Error ? err.message : String(err));
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
