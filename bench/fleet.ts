import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createToken } from '../db/queries/tokens';
import { progressLine } from '../domain/massUpgrade/progress';
import { createLocalComputeProvider } from '../compute/local/localProvider';
import { startComputeSimulator } from '../compute/simulated/simulatedProvider';
import { dataPaths } from '../src/dataPaths';
import { peakRssMiB, startBenchStack, type BenchStack } from './fleetStack';
import { benchTemporalKind } from './temporal';

/**
 * `npm run bench:fleet`: one mass upgrade of a real fleet of hello-app processes on the
 * local provider, then one of a large fleet on the compute SIMULATOR (no processes) to
 * measure the engine alone. Writes the "Fleet" section of BENCHMARKS.md.
 *
 * BENCH_REAL_SIZE (100), BENCH_SIM_SIZE (10000), BENCH_SIM_MAX_MINUTES (12),
 * BENCH_REAL_CONCURRENCY (10), BENCH_SIM_CONCURRENCY (50).
 */
const REAL = Number(process.env.BENCH_REAL_SIZE ?? 100);
const SIM = Number(process.env.BENCH_SIM_SIZE ?? 10_000);
const SIM_MAX_MS = Number(process.env.BENCH_SIM_MAX_MINUTES ?? 12) * 60_000;
const REAL_CONC = Number(process.env.BENCH_REAL_CONCURRENCY ?? 10);
const SIM_CONC = Number(process.env.BENCH_SIM_CONCURRENCY ?? 50);
const WAVES = [1, '10%', '50%', '100%'];
const LOAD_AT_START = os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(', ');

interface Result {
  name: string;
  fleet: number;
  upgraded: number;
  failed: number;
  finished: boolean;
  seconds: number;
  perMinute: number;
  opMeanMs: number;
  opP95Ms: number;
  activityMsPerUpgrade: number;
  temporalMsPerUpgrade: number;
  dbMsPerUpgrade: number;
  dbQueriesPerUpgrade: number;
  note: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stdout.write(`${line}\n`);

async function api(s: BenchStack, token: string, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${s.apiUrl}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  if (res.status >= 300) throw new Error(`${method} ${p} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

async function release(s: BenchStack, token: string, app: string, v: 1 | 2) {
  const body = JSON.parse(await fs.readFile(path.join(__dirname, '../examples/hello-app', `release-v${v}.json`), 'utf8'));
  await api(s, token, 'POST', `/api/apps/${app}/releases`, body);
}

/** Runs one mass upgrade and measures it; cancels it when `maxMs` runs out. */
async function measure(
  s: BenchStack,
  token: string,
  name: string,
  app: string,
  fleet: number,
  concurrency: number,
  maxMs: number,
  note: string,
): Promise<Result> {
  const t0 = { ...s.timings };
  s.timings.byQuery.clear();
  const started = Date.now();
  const m = await api(s, token, 'POST', '/api/admin/mass-upgrades', {
    app,
    targetVersion: '2.0.0',
    waves: WAVES,
    maxConcurrency: concurrency,
    failureBudget: { ratio: 0.01 },
  });
  let cancelled = false;
  let last = '';
  let view: any;
  for (;;) {
    await sleep(2000);
    view = await api(s, token, 'GET', `/api/admin/mass-upgrades/${m.id}`);
    const line = view.progress ? progressLine(view.progress) : view.status;
    if (line !== last) log(`  ${name}: ${line}`);
    last = line;
    if (['completed', 'halted', 'cancelled'].includes(view.status)) break;
    if (!cancelled && Date.now() - started > maxMs) {
      log(`  ${name}: time cap of ${Math.round(maxMs / 60_000)} min reached: cancelling (running upgrades finish)`);
      await api(s, token, 'POST', `/api/admin/mass-upgrades/${m.id}/cancel`, { reason: 'bench time cap' });
      cancelled = true;
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const ops = await s.db
    .selectFrom('operations')
    .select(sql<number>`extract(epoch from (finished_at - created_at)) * 1000`.as('ms'))
    .where('mass_upgrade_id', '=', m.id)
    .where('status', '=', 'succeeded')
    .execute();
  const durations = ops.map((o) => Number(o.ms)).sort((a, b) => a - b);
  const upgraded = view.progress.counts.succeeded;
  const per = (n: number) => (upgraded ? n / upgraded : 0);
  const activityMs = per(s.timings.activityMs - t0.activityMs);
  const opMeanMs = durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length);
  const top = [...s.timings.byQuery.entries()].sort((a, b) => b[1].n - a[1].n).slice(0, 25);
  log(`  ${name}: SQL per upgrade (count, ms), most frequent first:`);
  for (const [q, v] of top) log(`    ${per(v.n).toFixed(2)}  ${per(v.ms).toFixed(1)} ms  ${q.replace(/\s+/g, ' ').slice(0, 160)}`);
  return {
    name,
    fleet,
    upgraded,
    failed: view.progress.counts.failed,
    finished: view.status === 'completed',
    seconds,
    perMinute: upgraded / (seconds / 60),
    opMeanMs,
    opP95Ms: durations[Math.floor(durations.length * 0.95)] ?? 0,
    activityMsPerUpgrade: activityMs,
    temporalMsPerUpgrade: Math.max(0, opMeanMs - activityMs),
    dbMsPerUpgrade: per(s.timings.dbMs - t0.dbMs),
    dbQueriesPerUpgrade: per(s.timings.dbQueries - t0.dbQueries),
    note,
  };
}

async function realFleet(s: BenchStack, token: string): Promise<Result> {
  log(`real fleet: ${REAL} hello-app deployments on the local provider (real processes)`);
  const compute = createLocalComputeProvider({ stateDir: dataPaths(s.dataDir).compute, logger: s.logger });
  const worker = await s.startWorker(compute);
  try {
    await api(s, token, 'POST', '/api/apps', { slug: 'hello' });
    await release(s, token, 'hello', 1);
    await release(s, token, 'hello', 2);
    // All at once, one per tenant in turn: the first deploys of one release race each other,
    // which is what a fleet looks like the day a platform moves onto Slipway.
    const deployStarted = Date.now();
    const created = await Promise.all(
      Array.from({ length: REAL }, (_, i) =>
        api(s, token, 'POST', '/api/deployments', { app: 'hello', version: '1.0.0', tenantId: `t${i % 20}`, env: { GREETING: 'hi' } }),
      ),
    );
    const opIds = created.map((c) => c.operation.id as string);
    for (;;) {
      const ops = await s.db.selectFrom('operations').select(['id', 'status', 'error_message']).where('id', 'in', opIds).execute();
      const failed = ops.filter((o) => o.status === 'failed' || o.status === 'cancelled');
      if (failed.length) throw new Error(`${failed.length} of ${REAL} deploys failed, e.g. ${failed[0].id}: ${failed[0].error_message}`);
      const done = ops.filter((o) => o.status === 'succeeded').length;
      if (done === REAL) break;
      await sleep(500);
    }
    const deploySeconds = ((Date.now() - deployStarted) / 1000).toFixed(1);
    log(`  deployed ${REAL}/${REAL} in ${deploySeconds} s`);
    return await measure(
      s,
      token,
      'real',
      'hello',
      REAL,
      REAL_CONC,
      30 * 60_000,
      `${REAL} first deploys at once through the API: ${deploySeconds} s`,
    );
  } finally {
    await worker.stop();
    const files = await fs.readdir(dataPaths(s.dataDir).compute).catch(() => [] as string[]);
    for (const f of files.filter((n) => n.endsWith('.json'))) await compute.stop(f.slice(0, -5), { graceMs: 1000 }).catch(() => undefined);
  }
}

/** Rows written straight into Postgres (creating 10k deployments through the API would take longer than the run). */
async function seedSimulatedFleet(s: BenchStack, appId: string, size: number): Promise<void> {
  for (let i = 0; i < size; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, size - i) }, (_, j) => {
      const id = `d-sim${String(i + j).padStart(6, '0')}`;
      return {
        id,
        tenant_id: `t${(i + j) % 500}`,
        app_id: appId,
        name: id,
        hostname: `${id}.sim.localhost`,
        release_version: '1.0.0',
        serving_version: '1.0.0',
        previous_version: null,
        status: 'running' as const,
        strategy: 'blue_green' as const,
        active_slot: 'blue' as const,
        serving_config_revision: 1,
        last_error: null,
      };
    });
    await s.db.insertInto('deployments').values(rows).execute();
    await s.db
      .insertInto('deployment_env_vars')
      .values(rows.map((r) => ({ deployment_id: r.id, key: 'GREETING', value: 'hi', source: 'tenant' as const, secret: false })))
      .execute();
  }
}

async function simulatedFleet(s: BenchStack, token: string): Promise<Result> {
  log(`simulated fleet: ${SIM} deployments on the compute SIMULATOR (no processes; real Temporal, Postgres, router)`);
  const sim = await startComputeSimulator();
  const worker = await s.startWorker(sim.provider, { maxConcurrentActivities: 200 });
  try {
    const app = await api(s, token, 'POST', '/api/apps', { slug: 'sim' });
    void app;
    await release(s, token, 'sim', 1);
    await release(s, token, 'sim', 2);
    const { id: appId } = await s.db.selectFrom('apps').select('id').where('slug', '=', 'sim').executeTakeFirstOrThrow();
    await seedSimulatedFleet(s, appId, SIM);
    log(`  seeded ${SIM} deployment rows directly in Postgres`);
    return await measure(s, token, 'simulator', 'sim', SIM, SIM_CONC, SIM_MAX_MS, 'deployment rows seeded in Postgres; compute simulated');
  } finally {
    await worker.stop();
    await sim.close();
  }
}

function report(
  title: string,
  temporalLabel: string,
  results: Result[],
  mem: { worker: number | null; api: number | null; temporal: number | null },
  totalSeconds: number,
): string {
  const cpu = os.cpus();
  const f = (n: number, d = 0) => n.toFixed(d);
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.fleet} | ${r.upgraded}${r.finished ? '' : ' (not all: time cap)'} | ${r.failed} | ${f(r.seconds)} | **${f(r.perMinute)}** | ${f(r.opMeanMs)} / ${f(r.opP95Ms)} | ${f(r.activityMsPerUpgrade)} | ${f(r.temporalMsPerUpgrade)} | ${f(r.dbMsPerUpgrade, 1)} (${f(r.dbQueriesPerUpgrade)} queries) |`,
  );
  return [
    title,
    '',
    `Run: \`npm run bench:fleet\` on ${new Date().toISOString().slice(0, 10)} — ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}. Whole run: ${f(totalSeconds / 60, 1)} min.`,
    '',
    `Waves ${WAVES.join(', ')}; failure budget 1 %; concurrency ${REAL_CONC} (real) and ${SIM_CONC} (simulator); no rate limit. Embedded Postgres, ${temporalLabel}, built-in router, API as its own process, worker in the bench process.`,
    '',
    '| fleet | size | upgraded | failed | wall s | upgrades/min | op ms mean / p95 | activity ms per upgrade | Temporal ms per upgrade | Postgres ms per upgrade |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...results.map((r) => `- ${r.name}: ${r.note}.`),
    '',
    `Load average (1, 5, 15 min) at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}; at the start: ${LOAD_AT_START}.`,
    '',
    `Peak memory (VmHWM): worker process ${mem.worker ?? '?'} MiB (it also hosts the router, the simulator's HTTP server and the bench driver), API ${mem.api ?? '?'} MiB, Temporal ${mem.temporal ?? '?'} MiB.`,
    '',
    'What the numbers mean:',
    '',
    '- **real**: hello-app deployments created through the API, each a real Node process on the local provider; the upgrade is blue-green, so its time includes starting a process and waiting for readiness.',
    '- **simulator**: deployment rows seeded directly in Postgres, not created through the API (creating 10,000 through the API is not what is measured); the compute provider is a simulator (`compute/simulated/simulatedProvider.ts`, no processes, one shared in-process HTTP server answers readiness). Everything else is the real engine: the MassUpgrade workflow, one child workflow per deployment under `deployment-<id>`, every phase activity, Postgres and the router.',
    '- **op ms**: an upgrade operation from its row being written by the rollout to its end (includes waiting for a worker slot).',
    "- **activity ms per upgrade**: wall time inside activities during the rollout divided by upgrades (includes the rollout's own planning/progress activities, amortised; includes readiness waits on the real fleet).",
    '- **Temporal ms per upgrade**: op mean minus activity ms per upgrade: time spent scheduling workflow and activity tasks, history writes, child start and signal round trips.',
    '- **Postgres ms per upgrade**: time in SQL queries issued by the worker (Kysely query timing) divided by upgrades.',
    results.some((r) => !r.finished)
      ? `- A fleet marked "time cap" did not finish within the bench's cap (${Math.round(SIM_MAX_MS / 60_000)} min): it was cancelled (running upgrades finished) and the rate is measured over what it did.`
      : '',
  ].join('\n');
}

async function writeBenchmarks(title: string, section: string): Promise<void> {
  const file = path.join(__dirname, '../BENCHMARKS.md');
  const current = await fs.readFile(file, 'utf8').catch(() => '# Benchmarks\n');
  const heading = current.indexOf(`\n${title}\n`);
  const start = heading < 0 ? -1 : heading + 1;
  const next = start < 0 ? -1 : current.indexOf('\n## ', start + 1);
  const updated =
    start < 0 ? `${current.trimEnd()}\n\n${section}\n` : `${current.slice(0, start)}${section}\n${next < 0 ? '' : current.slice(next)}`;
  await fs.writeFile(file, updated);
}

async function main(): Promise<void> {
  const t = Date.now();
  const s = await startBenchStack();
  let exit = 0;
  try {
    const { token } = await createToken(s.db, { name: 'bench', role: 'admin', tenantId: null });
    const results: Result[] = [];
    if (REAL > 0) results.push(await realFleet(s, token));
    if (SIM > 0) results.push(await simulatedFleet(s, token));
    const mem = {
      worker: Math.round(process.resourceUsage().maxRSS / 1024),
      api: peakRssMiB(s.apiPid),
      temporal: peakRssMiB(s.temporalPid),
    };
    // One section per Temporal, so a run against one server leaves the other's table alone.
    const title = benchTemporalKind() === 'server' ? '## Fleet on the real Temporal server' : '## Fleet';
    const section = report(title, s.temporalLabel, results, mem, (Date.now() - t) / 1000);
    log(`\n${section}\n`);
    await writeBenchmarks(title, section);
    log(`written to BENCHMARKS.md (section "${title.slice(3)}")`);
  } catch (err) {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    exit = 1;
  } finally {
    await s.close();
    await fs.rm(s.tmp, { recursive: true, force: true }).catch(() => undefined);
  }
  process.exit(exit);
}

void main();
