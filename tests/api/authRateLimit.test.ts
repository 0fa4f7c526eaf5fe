import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import type { AuthFailureLimits } from '../../api/authFailureLimiter';
import { createArtifactStore } from '../../compute/local/artifactStore';
import type { Database } from '../../db/schema';
import { SecretCipher } from '../../db/secretCipher';
import { migrateToLatest } from '../../db/migrate';
import { createToken } from '../../db/queries/tokens';
import { createLogger } from '../../src/logger';
import { eventually } from '../helpers/apiClient';
import { connectTestClient, type TestTemporal } from '../helpers/temporalEnv';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase';
import { noFaults } from '../../ports/faultPoints';

/**
 * The real API over the real database, with the database client counting the queries that
 * read api_tokens: "the database is not asked" is checked on the queries that reach Postgres.
 */
let database: TestDatabase;
let db: Kysely<Database>;
let temporal: TestTemporal;
let tmp: string;
let tokenLookups = 0;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: 5 });
  db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (e) => {
      if (e.query.sql.includes('"api_tokens"')) tokenLookups += 1;
    },
  });
  await migrateToLatest(db);
  temporal = await connectTestClient();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-ratelimit-'));
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await temporal?.close();
  await db?.destroy();
  await database?.drop();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function startApi(authFailureLimits: AuthFailureLimits): Promise<string> {
  const app = buildApp({
    db,
    temporal: { client: temporal.client, taskQueue: 'unused-by-these-tests' },
    artifacts: createArtifactStore(path.join(tmp, `artifacts-${apps.length}`)),
    logger: createLogger('test', 'silent'),
    routerPublicPort: 1,
    routeDomain: 'localhost',
    authFailureLimits,
    secrets: new SecretCipher(randomBytes(32)),
    faults: noFaults,
  });
  apps.push(app);
  return app.listen({ host: '127.0.0.1', port: 0 });
}

/** One request from a chosen loopback address (fetch cannot pick its source address). */
function get(baseUrl: string, token: string, localAddress = '127.0.0.1'): Promise<{ status: number; retryAfter?: string }> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: u.port, path: '/api/apps', localAddress, agent: false, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('1,000 wrong tokens from one address: 20 are checked (401), the other 980 get 429 with Retry-After and never reach the database', async () => {
  const url = await startApi({ maxFailures: 20, windowSeconds: 600 });
  const { token: good } = await createToken(db, { name: 'ci', role: 'admin', tenantId: null });
  expect((await get(url, good)).status).toBe(200);

  tokenLookups = 0;
  const answers: { status: number; retryAfter?: string }[] = [];
  // Sequential, so the count is exact: concurrency would only let a few more through to the check.
  for (let i = 0; i < 1000; i++) answers.push(await get(url, `slw_adm_guess${i}`));
  const byStatus = answers.reduce<Record<number, number>>((acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }), {});
  expect(byStatus).toEqual({ 401: 20, 429: 980 });
  expect(tokenLookups).toBe(20);
  for (const a of answers.filter((x) => x.status === 429)) {
    expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(a.retryAfter)).toBeLessThanOrEqual(600);
  }

  // The client whose token worked from this address before keeps working; a guess still does not.
  expect((await get(url, good)).status).toBe(200);
  expect((await get(url, 'slw_adm_one-more-guess')).status).toBe(429);
  // Another address is not punished for this one.
  expect((await get(url, 'slw_adm_elsewhere', '127.0.0.2')).status).toBe(401);
  expect((await get(url, good, '127.0.0.2')).status).toBe(200);
});

test('a missing or malformed Authorization header counts as a failure too', async () => {
  const url = await startApi({ maxFailures: 3, windowSeconds: 600 });
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await get(url, '')).status);
  expect(statuses).toEqual([401, 401, 401, 429, 429]);
});

test('good tokens are not locked out for good: once the window ends, a token new to the address gets in', async () => {
  const url = await startApi({ maxFailures: 5, windowSeconds: 1 });
  for (let i = 0; i < 10; i++) await get(url, `slw_adm_guess${i}`);
  const { token: fresh } = await createToken(db, { name: 'after-the-attack', role: 'admin', tenantId: null });
  const locked = await get(url, fresh);
  // Usually still inside the 1 s window (429); on a slow machine it may already have ended (200).
  expect([200, 429]).toContain(locked.status);
  await eventually('the window to end', async () => ((await get(url, fresh)).status === 200 ? true : undefined), 30_000, 250);
});
