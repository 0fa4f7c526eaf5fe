import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Client } from '@temporalio/client';
import { ensureTemporalCli } from '../../src/bootstrap/temporalCli';
import { startTemporalDevServer } from '../../src/bootstrap/temporalDevServer';
import { connectTemporal } from '../../src/temporalConnection';

/**
 * A call in flight when the server goes away fails UNAVAILABLE, and the SDK's own retry
 * re-sends it from a timer. If the connection is closed before that timer fires, the SDK's
 * re-send throws "Channel has been shut down" as an uncaught exception (it failed a test file
 * in CI twice, and would do the same to a process shutting down). Ours must fail the call.
 * Both orders: closed first and the server gone after; the server gone first (re-sends
 * already scheduled) and closed after.
 */
describe('connectTemporal', () => {
  const logger = pino({ level: 'silent' });
  let dir: string;
  let cliPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-conn-'));
    cliPath = await ensureTemporalCli({ logger });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['close, then the server stops', 'the server stops, then close'] as const)(
    'fails a long poll cut off when %s, instead of re-sending it on the closed channel',
    async (order) => {
      const server = await startTemporalDevServer({
        cliPath,
        dbFile: path.join(dir, `${order.startsWith('close') ? 'close-first' : 'stop-first'}.sqlite`),
        port: 0,
        headless: true,
        namespace: 'default',
        logger,
      });
      try {
        const connection = await connectTemporal({ address: server.address });
        const client = new Client({ connection, namespace: 'default' });
        // No worker polls this queue: the workflow stays open and result() long-polls its history.
        const handle = await client.workflow.start('neverRuns', { taskQueue: 'nobody-polls-this', workflowId: 'close-race' });
        const outcome = handle.result().then(
          () => 'resolved',
          (err: Error) => `rejected: ${err.message}`,
        );
        await new Promise((r) => setTimeout(r, 300));
        if (order === 'close, then the server stops') {
          await connection.close();
          // A call made after close fails to its caller at once, as the SDK's own would.
          await expect(client.workflow.getHandle('close-race').describe()).rejects.toThrow();
          await server.stop();
        } else {
          await server.stop();
          // Long enough for the first failures to have scheduled their re-sends.
          await new Promise((r) => setTimeout(r, 700));
          await connection.close();
        }
        expect(await outcome).toMatch(/^rejected: /);
        // Long enough for any re-send that was due to have fired.
        await new Promise((r) => setTimeout(r, 3000));
      } finally {
        await server.stop();
      }
    },
    60_000,
  );
});
