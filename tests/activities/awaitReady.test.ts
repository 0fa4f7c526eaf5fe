import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createAwaitReady } from '../../activities/awaitReady';
import type { ActivityDeps } from '../../activities/deps';
import { createArtifactStore } from '../../compute/local/artifactStore';
import { createLocalComputeProvider } from '../../compute/local/localProvider';
import { createDb, type Db } from '../../db/database';
import { SecretCipher } from '../../db/secretCipher';
import { migrateToLatest } from '../../db/migrate';
import { systemClock } from '../../ports/clock';
import { createHttpRouterClient } from '../../traffic/builtin/httpRouterClient';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase';
import { noFaults } from '../../ports/faultPoints';

/**
 * Issue 9.3 in-process: a readiness path stored before the manifest schema refused it
 * must still not send the probe anywhere but the revision's own endpoint.
 */
describe('awaitReady never probes outside the revision', () => {
  let database: TestDatabase;
  let db: Db;
  let elsewhere: http.Server;
  let elsewhereHits = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    await migrateToLatest(db);
    // What the attacker aims at: a real listener that would answer 200.
    elsewhere = http.createServer((_req, res) => {
      elsewhereHits += 1;
      res.end('ok');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise((r) => elsewhere.close(r));
    await db.destroy();
    await database.drop();
  });

  it('fails with InvalidManifest (non-retryable) for "//127.0.0.1:<port>/healthz" and sends no request', async () => {
    const probed: string[] = [];
    const tmp = path.join(os.tmpdir(), 'slipway-await-ready-unused');
    const deps: ActivityDeps = {
      db,
      compute: createLocalComputeProvider({ stateDir: path.join(tmp, 'compute'), logger: pino({ level: 'silent' }) }),
      router: createHttpRouterClient({ adminUrl: 'http://127.0.0.1:9', adminSecret: 'unused' }),
      secrets: new SecretCipher(randomBytes(32)),
      faults: noFaults,
      artifacts: createArtifactStore(path.join(tmp, 'artifacts')),
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      probeFetch: async (url) => {
        probed.push(url);
        return fetch(url);
      },
      settings: {
        readinessIntervalMs: 100,
        readinessTimeoutSeconds: 5,
        stopGraceMs: 100,
        rollbackWindowSeconds: 0,
        drainTimeoutSeconds: 0,
      },
    };
    const { port } = elsewhere.address() as { port: number };
    const err = await new MockActivityEnvironment()
      .run(createAwaitReady(deps), {
        operationId: 'op-none',
        deploymentId: 'd-none',
        key: 'k-none',
        url: 'http://127.0.0.1:1',
        readinessPath: `//127.0.0.1:${port}/healthz`,
        timeoutSeconds: 5,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'InvalidManifest', nonRetryable: true });
    expect(probed).toEqual([]);
    expect(elsewhereHits).toBe(0);
  });
});
