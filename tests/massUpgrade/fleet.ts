import { apiClient, eventually } from '../helpers/apiClient';
import { deployHello, helloRelease, type Api } from '../helpers/hello';
import type { SlipwayStack } from '../helpers/slipwayStack';

/** A small real fleet of hello-app deployments for the mass-upgrade tests. */
export const TENANTS = ['acme', 'globex', 'initech'];

export async function setUpFleet(
  s: SlipwayStack,
  size: number,
  versions: string[],
): Promise<{ admin: Api; fleet: { id: string; hostname: string }[] }> {
  const admin = apiClient(s.apiUrl, s.adminToken);
  expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
  expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1))).status).toBe(201);
  for (const v of versions) expect((await admin('POST', '/api/apps/hello/releases', helloRelease(2, { version: v }))).status).toBe(201);
  const fleet = await Promise.all(
    Array.from({ length: size }, (_, i) =>
      deployHello(admin, { version: '1.0.0', tenantId: TENANTS[i % TENANTS.length], env: { GREETING: `hi-${i}` } }),
    ),
  );
  return { admin, fleet };
}

export async function startRollout(admin: Api, body: Record<string, unknown>): Promise<any> {
  const r = await admin('POST', '/api/admin/mass-upgrades', { app: 'hello', ...body });
  if (r.status !== 202) throw new Error(`mass upgrade answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

export const rollout = async (admin: Api, id: string, query = ''): Promise<any> =>
  (await admin('GET', `/api/admin/mass-upgrades/${id}${query}`)).body;

/** Polls until the rollout ended, calling `sample` with every answer on the way. */
export async function waitForRollout(
  admin: Api,
  id: string,
  sample: (m: any) => void = () => undefined,
  timeoutMs = 120_000,
): Promise<any> {
  return eventually(
    `mass upgrade ${id} to end`,
    async () => {
      const m = await rollout(admin, id);
      sample(m);
      return ['completed', 'halted', 'cancelled'].includes(m.status) ? m : undefined;
    },
    timeoutMs,
    100,
  );
}

/** The rollout's operations (trigger mass_upgrade), oldest first. */
export function rolloutOperations(s: SlipwayStack, id: string) {
  return s.db.selectFrom('operations').selectAll().where('mass_upgrade_id', '=', id).orderBy('created_at').execute();
}

/** Most operations whose [started, finished] overlapped at any instant. */
export function maxOverlap(ops: { started_at: Date | null; finished_at: Date | null }[]): number {
  const events = ops
    .filter((o) => o.started_at && o.finished_at)
    .flatMap(
      (o) =>
        [
          [o.started_at!.getTime(), 1],
          [o.finished_at!.getTime(), -1],
        ] as [number, number][],
    );
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (now += d));
  return max;
}
