import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase';
import { connectTestClient, type TestTemporal } from '../helpers/temporalEnv';

/** Smoke test of the shared test stack that globalSetup starts. */
describe('test stack', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestClient();
  });
  afterAll(async () => {
    await temporal?.close();
    await db?.drop();
  });

  it('gives each test file its own Postgres database', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query('select 1 as one, current_database() as name');
      expect(rows[0]).toEqual({ one: 1, name: db.name });
    } finally {
      await client.end();
    }
  });

  it('connects to Temporal', async () => {
    const info = await temporal.client.workflowService.getSystemInfo({});
    expect(info.capabilities).toBeDefined();
    const ns = await temporal.client.workflowService.describeNamespace({ namespace: temporal.namespace });
    expect(ns.namespaceInfo?.name).toBe(temporal.namespace);
  });
});
