import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { ensureTemporalCli } from '../src/bootstrap/temporalCli';
import { DEFAULT_SQLITE_PRAGMAS, startTemporalDevServer } from '../src/bootstrap/temporalDevServer';
import { createLogger } from '../src/logger';
import { connectTemporal } from '../src/temporalConnection';
import { ms, num, pct, table } from './table';

/**
 * `npm run bench:temporal-start`: how long the Temporal dev server takes to accept a
 * workflow start (the floor under every POST → 202) with each SQLite journal setting, in
 * interleaved rounds on fresh databases. No worker polls, so nothing else runs meanwhile.
 *
 * Knobs: BENCH_ROUNDS (3), BENCH_STARTS (60 per round; the first 10 are warm-up).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STARTS = Number(process.env.BENCH_STARTS ?? 60);
const WARM_UP = 10;

const SETTINGS: { name: string; pragmas: string[] }[] = [
  { name: "the CLI's default (rollback journal, synchronous=full)", pragmas: [] },
  { name: `Slipway's: ${DEFAULT_SQLITE_PRAGMAS.join(', ')}`, pragmas: DEFAULT_SQLITE_PRAGMAS },
  { name: 'journal_mode=wal, synchronous=normal (not durable across a power cut)', pragmas: ['journal_mode=wal', 'synchronous=normal'] },
];

async function startLatencies(cliPath: string, dir: string, pragmas: string[], round: number): Promise<number[]> {
  const logger = createLogger('bench', 'warn');
  const server = await startTemporalDevServer({
    cliPath,
    dbFile: path.join(dir, `r${round}-${pragmas.join('-') || 'default'}.sqlite`),
    port: 0,
    headless: true,
    namespace: 'default',
    logger,
    sqlitePragmas: pragmas,
  });
  const connection = await connectTemporal({ address: server.address });
  try {
    const client = new Client({ connection, namespace: 'default' });
    const latencies: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const t0 = performance.now();
      await client.workflow.start('benchNobodyRunsThis', { taskQueue: 'bench-no-worker', workflowId: `start-${i}`, args: [{ i }] });
      latencies.push(performance.now() - t0);
    }
    return latencies.slice(WARM_UP);
  } finally {
    await connection.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const cliPath = await ensureTemporalCli({ logger: createLogger('bench', 'info') });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-bench-tstart-'));
  const all = SETTINGS.map(() => [] as number[]);
  try {
    process.stdout.write(
      `${ROUNDS} interleaved rounds of ${STARTS} starts (first ${WARM_UP} dropped); load average ${os.loadavg()[0].toFixed(2)}\n`,
    );
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [i, s] of SETTINGS.entries()) {
        const l = await startLatencies(cliPath, dir, s.pragmas, round);
        all[i].push(...l);
        process.stdout.write(`  round ${round} ${s.name}: p50 ${ms(pct(l, 0.5))}\n`);
      }
    }
    process.stdout.write(
      `\n${table(
        ['SQLite setting', 'starts', 'p50', 'p90', 'p99'],
        SETTINGS.map((s, i) => [s.name, num(all[i].length), ms(pct(all[i], 0.5)), ms(pct(all[i], 0.9)), ms(pct(all[i], 0.99))]),
      )}\n\nload average at the end ${os.loadavg()[0].toFixed(2)}\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:temporal-start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
