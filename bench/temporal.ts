import path from 'node:path';
import { ensureTemporalCli } from '../src/bootstrap/temporalCli';
import { startTemporalDevServer } from '../src/bootstrap/temporalDevServer';
import { startTemporalServer } from '../src/bootstrap/temporalServer';
import { ensureTemporalServerBinaries } from '../src/bootstrap/temporalServerBinaries';
import type { Logger } from '../src/logger';

/** BENCH_TEMPORAL=dev (default: the CLI's dev server on SQLite) or server (Temporal 1.32.0 on the bench's Postgres). */
export type BenchTemporalKind = 'dev' | 'server';

export interface BenchTemporal {
  kind: BenchTemporalKind;
  /** For the tables' titles. */
  label: string;
  address: string;
  pid(): number | undefined;
  stop(): Promise<void>;
}

export function benchTemporalKind(env: NodeJS.ProcessEnv = process.env): BenchTemporalKind {
  const kind = env.BENCH_TEMPORAL ?? 'dev';
  if (kind !== 'dev' && kind !== 'server') throw new Error(`BENCH_TEMPORAL must be dev or server, not ${kind}`);
  return kind;
}

export async function startBenchTemporal(opts: {
  dir: string;
  postgresUrl: () => Promise<string>;
  logger: Logger;
}): Promise<BenchTemporal> {
  const kind = benchTemporalKind();
  if (kind === 'server') {
    const binaries = await ensureTemporalServerBinaries({ logger: opts.logger });
    const server = await startTemporalServer({
      binaries,
      postgresUrl: await opts.postgresUrl(),
      dir: path.join(opts.dir, 'temporal-server'),
      port: 0,
      namespace: 'default',
      logger: opts.logger,
    });
    return { kind, label: 'Temporal server 1.32.0 on Postgres', address: server.address, pid: server.pid, stop: server.stop };
  }
  const dev = await startTemporalDevServer({
    cliPath: await ensureTemporalCli({ logger: opts.logger }),
    dbFile: path.join(opts.dir, 'temporal', 'dev.sqlite'),
    port: 0,
    headless: true,
    namespace: 'default',
    logger: opts.logger,
  });
  return { kind, label: 'Temporal dev server (SQLite)', address: dev.address, pid: () => dev.pid, stop: dev.stop };
}
