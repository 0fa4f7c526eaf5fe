import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Client } from '@temporalio/client';
import { ensureTemporalCli } from '../../src/bootstrap/temporalCli';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/bootstrap/temporalDevServer';
import { connectTemporal } from '../../src/temporalConnection';

/**
 * A call in flight when its connection closes and the server then goes away fails
 * UNAVAILABLE; the SDK's own retry would re-send it on the closed channel from a timer, and
 * that throws "Channel has been shut down" as an uncaught exception (it failed a test file
 * in CI, and does the same to a process shutting down). Ours must fail the call instead.
 */
describe('connectTemporal', () => {
  let dir: string;
  let server: TemporalDevServer | undefined;
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-conn-'));
    const cliPath = await ensureTemporalCli({ logger });
    server = await startTemporalDevServer({
      cliPath,
      dbFile: path.join(dir, 'dev.sqlite'),
      port: 0,
      headless: true,
      namespace: 'default',
      logger,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails a long poll cut off by close and server shutdown instead of re-sending it on the closed channel', async () => {
    const connection = await connectTemporal({ address: server!.address });
    const client = new Client({ connection, namespace: 'default' });
    // No worker polls this queue: the workflow stays open and result() long-polls its history.
    const handle = await client.workflow.start('neverRuns', { taskQueue: 'nobody-polls-this', workflowId: 'close-race' });
    const outcome = handle.result().then(
      () => 'resolved',
      (err: Error) => `rejected: ${err.message}`,
    );
    await new Promise((r) => setTimeout(r, 300));
    await connection.close();
    await server!.stop();
    server = undefined;
    expect(await outcome).toMatch(/^rejected: /);
    // Long enough for the SDK's backoff (100 ms and up) to have fired a re-send if one was due.
    await new Promise((r) => setTimeout(r, 2000));
  });
});
