import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * One fresh database per test file on the run's shared Postgres (globalSetup), so files
 * never see each other's rows and need no cleanup between them.
 */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.SLIPWAY_TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('SLIPWAY_TEST_DATABASE_URL is not set: run tests through jest (globalSetup starts Postgres)');
  const name = `slipway_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`create database ${client.escapeIdentifier(name)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // WITH (FORCE) ends sessions a test forgot to close (e.g. a pool not yet destroyed).
    drop: () => withAdmin(adminUrl, (client) => client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`)),
  };
}

async function withAdmin(adminUrl: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
