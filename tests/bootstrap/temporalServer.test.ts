import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { startTemporalServer } from '../../src/bootstrap/temporalServer';
import { ensureTemporalServerBinaries, TemporalServerUnavailableError } from '../../src/bootstrap/temporalServerBinaries';
import { temporalDynamicConfig, temporalServerConfig } from '../../src/bootstrap/temporalServerConfig';
import { createLogger } from '../../src/logger';

const logger = createLogger('test', 'silent');

describe('temporalServerConfig', () => {
  const config = temporalServerConfig({
    sql: { host: '127.0.0.1', port: 5433, user: 'u', password: 'p', database: 'temporal', visibilityDatabase: 'temporal_visibility' },
    ports: { frontend: 7000, frontendHttp: 7010, history: 7001, matching: 7002, worker: 7003, membership: [20001, 20002, 20003, 20004] },
    ip: '127.0.0.1',
    historyShards: 4,
    dynamicConfigFile: '/d/dynamicconfig.yaml',
  }) as any;

  it.each([
    ['frontend', 7000, 20001],
    ['history', 7001, 20002],
    ['matching', 7002, 20003],
    ['worker', 7003, 20004],
  ])('%s listens on its own gRPC and membership port, on loopback', (service, grpcPort, membershipPort) => {
    expect(config.services[service].rpc).toMatchObject({ grpcPort, membershipPort, bindOnIP: '127.0.0.1' });
  });

  it('keeps history and visibility in their own databases on one Postgres', () => {
    const { default: main, visibility } = config.persistence.datastores;
    expect(main.sql).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal', connectAddr: '127.0.0.1:5433', user: 'u' });
    expect(visibility.sql).toMatchObject({ databaseName: 'temporal_visibility', connectAddr: '127.0.0.1:5433' });
    expect(config.persistence.numHistoryShards).toBe(4);
    expect(config.clusterMetadata.clusterInformation.active.rpcAddress).toBe('127.0.0.1:7000');
  });

  it('raises the visibility rate limit that throttles list/count on one frontend', () => {
    expect(temporalDynamicConfig()['frontend.namespaceRPS.visibility']).toEqual([{ value: 200 }]);
  });
});

describe('ensureTemporalServerBinaries', () => {
  it('explains how to fix it when the binaries are missing and there is no go', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'slipway-server-bin-'));
    try {
      const attempt = ensureTemporalServerBinaries({ logger, cacheDir: path.join(empty, 'cache'), env: { PATH: empty, HOME: empty } });
      await expect(attempt).rejects.toBeInstanceOf(TemporalServerUnavailableError);
      const message = await attempt.catch((e: Error) => e.message);
      expect(message).toMatch(/Go >= 1\.26\.8/);
      expect(message).toMatch(/SLIPWAY_TEMPORAL/);
      expect(message).toMatch(/TEMPORAL_ADDRESS/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

// Needs the server binaries, which only the second test pass (SLIPWAY_TEST_TEMPORAL=server) builds.
const onRealServerPass = process.env.SLIPWAY_TEST_TEMPORAL === 'server' ? describe : describe.skip;

onRealServerPass('startTemporalServer on databases it already set up', () => {
  const databaseName = `temporal_restart_${process.pid}`;
  const adminUrl = () => process.env.SLIPWAY_TEST_DATABASE_URL as string;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: adminUrl() });
    await client.connect();
    for (const db of [databaseName, `${databaseName}_visibility`]) await client.query(`drop database if exists ${db} with (force)`);
    await client.end();
  });

  it('starts again with the schema, the namespace and the workflows of the first start', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-server-'));
    const start = async () =>
      startTemporalServer({
        binaries: await ensureTemporalServerBinaries({ logger }),
        postgresUrl: adminUrl(),
        dir,
        port: 0,
        namespace: 'restart-ns',
        logger,
        databaseName,
      });
    try {
      const first = await start();
      const c1 = await Connection.connect({ address: first.address });
      await c1.workflowService.startWorkflowExecution({
        namespace: 'restart-ns',
        workflowId: 'survives-restart',
        workflowType: { name: 'nothing' },
        taskQueue: { name: 'nobody' },
        requestId: 'restart-test',
      });
      await c1.close();
      await first.stop();

      // Same databases: schema steps and the namespace registration are all "already there".
      const second = await start();
      const c2 = await Connection.connect({ address: second.address });
      const described = await c2.workflowService.describeWorkflowExecution({
        namespace: 'restart-ns',
        execution: { workflowId: 'survives-restart' },
      });
      expect(described.workflowExecutionInfo?.type?.name).toBe('nothing');
      await c2.close();
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
