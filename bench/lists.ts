import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { insertApp, insertRelease } from '../db/queries/apps';
import { createToken } from '../db/queries/tokens';
import { seedDeployments, seedOperations } from '../tests/helpers/fleetSeed';
import { startBenchStack } from './fleetStack';
import { ms, num, table } from './table';

/**
 * List pages on a 10,000-deployment fleet, over real HTTP from wrk (its own process) to the
 * API (its own process) on embedded Postgres. The scenarios run interleaved, round after
 * round, so a noisy neighbour on this shared machine hits them all alike.
 *
 * Knobs: BENCH_LIST_FLEET (10000), BENCH_LIST_ROUNDS (3), BENCH_LIST_SECONDS (8 per scenario and round),
 * BENCH_LIST_CONNECTIONS (1).
 */
const FLEET = Number(process.env.BENCH_LIST_FLEET ?? 10_000);
const ROUNDS = Number(process.env.BENCH_LIST_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_LIST_SECONDS ?? 8);
// One connection by default: latency of a page itself, not of a queue this bench built on a 2-core machine.
const CONNECTIONS = Number(process.env.BENCH_LIST_CONNECTIONS ?? 1);
const TENANTS = 100;

const run = promisify(execFile);
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Scenario {
  name: string;
  path: string;
  token: 'admin' | 'tenant';
}

interface Sample {
  p50: number;
  p99: number;
  rps: number;
  non2xx: number;
}

/** wrk --latency prints "50%  1.23ms"; units vary (us, ms, s). */
function latency(out: string, pct: string): number {
  const m = new RegExp(`^\\s*${pct}%\\s+([0-9.]+)(us|ms|s)\\s*$`, 'm').exec(out);
  if (!m) throw new Error(`wrk printed no ${pct}% line:\n${out}`);
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

async function wrk(url: string, token: string): Promise<Sample> {
  const { stdout } = await run('wrk', [
    '-t1',
    `-c${CONNECTIONS}`,
    `-d${SECONDS}s`,
    '--latency',
    '-H',
    `Authorization: Bearer ${token}`,
    url,
  ]);
  const rps = /Requests\/sec:\s+([0-9.]+)/.exec(stdout);
  const non2xx = /Non-2xx or 3xx responses:\s+([0-9]+)/.exec(stdout);
  return {
    p50: latency(stdout, '50'),
    p99: latency(stdout, '99'),
    rps: rps ? Number(rps[1]) : NaN,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  await run('wrk', ['--version']).catch((err: { stdout?: string; code?: unknown }) => {
    // wrk --version exits 1 after printing its version; only a missing binary is fatal.
    if (err.code === 'ENOENT') throw new Error('wrk is not installed: apt-get install wrk');
  });
  const t0 = Date.now();
  const s = await startBenchStack();
  try {
    const app = (await insertApp(s.db, { slug: 'hello', name: 'Hello' }))!;
    for (const v of ['1.0.0', '2.0.0'])
      await insertRelease(s.db, { appId: app.id, version: v, manifest: { services: [] }, artifactDigest: `sha256:${v}` });
    const tenants = Array.from({ length: TENANTS }, (_, i) => `t${i}`);
    await seedDeployments(s.db, { appId: app.id, count: FLEET, tenants });
    await seedOperations(s.db, {});
    await sql`vacuum analyze`.execute(s.db);
    const admin = (await createToken(s.db, { name: 'bench-admin', role: 'admin', tenantId: null })).token;
    const tenant = (await createToken(s.db, { name: 'bench-tenant', role: 'tenant', tenantId: 't7' })).token;
    const tokens = { admin, tenant };

    // A cursor deep into the fleet: the 50th page of 100 (keyset: as cheap as the first).
    let deep = '';
    for (let i = 0; i < 50; i++) {
      const r = await fetch(`${s.apiUrl}/api/deployments?limit=100${deep ? `&cursor=${deep}` : ''}`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      deep = ((await r.json()) as { nextCursor: string }).nextCursor;
    }
    const scenarios: Scenario[] = [
      { name: 'admin, no filter', path: '/api/deployments?limit=100', token: 'admin' },
      { name: 'admin, page 51 (cursor)', path: `/api/deployments?limit=100&cursor=${deep}`, token: 'admin' },
      { name: 'admin, status + strategy', path: '/api/deployments?limit=100&status=running&strategy=rolling', token: 'admin' },
      { name: 'admin, app + updateAvailable', path: '/api/deployments?limit=100&app=hello&updateAvailable=true', token: 'admin' },
      {
        name: 'admin, servingVersion + createdAfter',
        path: '/api/deployments?limit=100&servingVersion=1.0.0&createdAfter=2026-11-01T00:05:00Z',
        token: 'admin',
      },
      { name: 'tenant t7 (its 100 of them)', path: '/api/deployments?limit=100', token: 'tenant' },
      { name: 'operations, failed since', path: '/api/operations?limit=100&status=failed&since=2026-11-01T00:01:00Z', token: 'admin' },
    ];
    for (const sc of scenarios) {
      const r = await fetch(`${s.apiUrl}${sc.path}`, { headers: { authorization: `Bearer ${tokens[sc.token]}` } });
      const body = (await r.json()) as Record<string, unknown[]>;
      const rows = (body.deployments ?? body.operations ?? []).length;
      if (r.status !== 200 || rows === 0) throw new Error(`${sc.name}: ${r.status}, ${rows} rows`);
      log(`${sc.name}: ${rows} rows a page`);
    }

    const samples = new Map<string, Sample[]>(scenarios.map((sc) => [sc.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const sc of scenarios) {
        const sample = await wrk(`${s.apiUrl}${sc.path}`, tokens[sc.token]);
        samples.get(sc.name)!.push(sample);
        log(`round ${round} ${sc.name}: p50 ${ms(sample.p50)} p99 ${ms(sample.p99)} ${num(sample.rps)} req/s`);
      }
    }
    const rows = scenarios.map((sc) => {
      const xs = samples.get(sc.name)!;
      return [
        sc.name,
        ms(median(xs.map((x) => x.p50))),
        ms(median(xs.map((x) => x.p99))),
        num(median(xs.map((x) => x.rps))),
        xs.reduce((n, x) => n + x.non2xx, 0),
      ];
    });
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    process.stdout.write(
      `\nRun: \`npm run bench:lists\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${os.cpus().length} × ${cpu}, ` +
        `Node ${process.version}; fleet ${FLEET} deployments (${TENANTS} tenants) and ${FLEET} operations, pages of 100; ` +
        `wrk -t1 -c${CONNECTIONS} -d${SECONDS}s per scenario, ${ROUNDS} interleaved rounds (median of rounds); whole run ${Math.round((Date.now() - t0) / 1000)} s.\n\n` +
        `${table(['scenario', 'p50', 'p99', 'req/s', 'non-2xx'], rows)}\n`,
    );
  } finally {
    await s.close();
  }
}

main().catch((err) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
