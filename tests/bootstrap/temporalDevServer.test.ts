import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Client } from '@temporalio/client';
import { ensureTemporalCli } from '../../src/bootstrap/temporalCli';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/bootstrap/temporalDevServer';
import { connectTemporal } from '../../src/temporalConnection';

/**
 * The dev server keeps its history in SQLite's write-ahead log (fewer syncs per commit than
 * the CLI's default journal), and a start it acknowledged is still there after the server
 * was SIGKILLed: the write-ahead log is recovered when the next server opens the file.
 */
describe('Temporal dev server on SQLite', () => {
  const logger = pino({ level: 'silent' });
  let dir: string;
  let cliPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-devserver-'));
    cliPath = await ensureTemporalCli({ logger });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const start = (dbFile: string) => startTemporalDevServer({ cliPath, dbFile, port: 0, headless: true, namespace: 'default', logger });

  async function withClient<T>(server: TemporalDevServer, use: (client: Client) => Promise<T>): Promise<T> {
    const connection = await connectTemporal({ address: server.address });
    try {
      return await use(new Client({ connection, namespace: 'default' }));
    } finally {
      await connection.close();
    }
  }

  it('writes through the write-ahead log and keeps an acknowledged start across a SIGKILL', async () => {
    const dbFile = path.join(dir, 'dev.sqlite');
    const first = await start(dbFile);
    try {
      // No worker polls this queue: the workflow stays open, so only the start itself is stored.
      await withClient(first, (client) => client.workflow.start('neverRuns', { taskQueue: 'nobody-polls-this', workflowId: 'kept' }));
      expect(existsSync(`${dbFile}-wal`)).toBe(true);
      process.kill(first.pid!, 'SIGKILL');
    } finally {
      await first.stop();
    }

    const second = await start(dbFile);
    try {
      const desc = await withClient(second, (client) => client.workflow.getHandle('kept').describe());
      expect(desc.status.name).toBe('RUNNING');
      expect(desc.type).toBe('neverRuns');
    } finally {
      await second.stop();
    }
  }, 120_000);
});
