import { promises as fs } from 'node:fs';
import { answer, helloRelease, waitForOperation, type Api } from '../helpers/hello';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { withStack } from '../helpers/withStack';

/**
 * The first deploys of one release to many tenants at once, through the API: each one
 * creates its deployment's user and they all share the artifact's group, which used to be
 * created several times over, so some processes started with a gid the artifact no longer
 * had and died with "Cannot find module …/server.js" (bench:fleet's real fleet). Through the
 * whole stack the starts spread out and the race shows only now and then (this passed
 * without the fix in one run here); tests/compute/appUsers.test.ts reproduces it every time.
 */
const TENANTS = 20;

describe('concurrent first deploys of one release', () => {
  let s: SlipwayStack;
  let admin: Api;
  withStack(async (stack, a) => {
    s = stack;
    admin = a;
    expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
    expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1))).status).toBe(201);
  });

  it(`brings all ${TENANTS} deployments, one per tenant, to running and serving`, async () => {
    const created = await Promise.all(
      Array.from({ length: TENANTS }, (_, i) =>
        admin('POST', '/api/deployments', { app: 'hello', tenantId: `race-${i}`, env: { GREETING: `hi ${i}` } }),
      ),
    );
    expect(created.map((r) => r.status)).toEqual(created.map(() => 202));

    const done = await Promise.all(created.map((r) => waitForOperation(admin, r.body.operation.id, 180_000)));
    expect(done.map((op) => [op.status, op.error])).toEqual(done.map(() => ['succeeded', null]));

    // A process that read server.js before its group was made again still serves, under a gid
    // the artifact no longer has: every process must run with the artifact's group as it is now.
    const gids = new Set<number>();
    const artifactGids = new Set<number>();
    for (const r of created) {
      const [key] = await s.compute.list(r.body.deployment.id);
      const running = await s.compute.status(key);
      const status = await fs.readFile(`/proc/${running!.pid}/status`, 'utf8');
      gids.add(Number(/^Gid:\s+(\d+)/m.exec(status)![1]));
      artifactGids.add((await fs.stat(`/proc/${running!.pid}/cwd`)).gid);
    }
    expect(gids.size).toBe(1);
    expect(artifactGids).toEqual(gids);

    for (const [i, r] of created.entries()) {
      const shown = await admin('GET', `/api/deployments/${r.body.deployment.id}`);
      expect(shown.body).toMatchObject({ status: 'running', servingVersion: '1.0.0' });
      const served = await answer(s, r.body.deployment.hostname);
      expect([i, served.status, served.json.greeting]).toEqual([i, 200, `hi ${i}`]);
    }
  }, 240_000);
});
