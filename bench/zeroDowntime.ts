import os from 'node:os';
import { apiClient } from '../tests/helpers/apiClient';
import type { LoadGenerator, WindowReport } from './loadGenerator';
import { summariseAbnormal } from './haproxyAbnormal';
import { ensureVegeta } from './loadTools';
import { createHelloApp, deploy, startOp, waitOp, type Api, type FinishedOp } from './operations';
import { runBench, step, type BenchStack } from './stack';
import { ms, num, secs, table } from './table';
import { startVegetaLoad } from './vegetaLoad';

/**
 * `npm run bench:zero-downtime`: steady load through the router on one deployment while
 * Slipway runs, one after another, an upgrade with each strategy, a restart with new env,
 * a rollback, a canary that aborts on errors and a recreate. Each row is the window from
 * the API call to the moment the operation was seen finished. Exit 1 when a scenario that
 * promises zero downtime had a failed request (the table is printed either way).
 *
 * The load is vegeta's (a separate process, open loop); each window is cut from its
 * per-request results by send time.
 *
 * Knobs: BENCH_RATE (req/s, default 600), BENCH_CONNECTIONS (vegeta's initial workers,
 * default 16), BENCH_ROUTER (builtin | haproxy, default builtin).
 */
const RATE = Number(process.env.BENCH_RATE ?? 600);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUTER = process.env.BENCH_ROUTER === 'haproxy' ? 'haproxy' : 'builtin';
/** Quiet time under load before each operation, so windows do not overlap. */
const SETTLE_MS = 1500;
/** Load before the first operation; its second half is the baseline row. */
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 6000);
const CANARY_STEPS = [10, 50, 100];

type Expect = 'zero-failures' | 'aborts' | 'downtime';

interface Scenario {
  name: string;
  expect: Expect;
  /** Deployment the load goes to during this scenario. */
  target: 'main' | 'rolling';
  run(api: Api, ids: { main: string; rolling: string }): Promise<{ id: string; sentAt: number }>;
}

const upgrade = (body: Record<string, unknown>) => async (api: Api, id: string) =>
  startOp(api, 'POST', `/api/deployments/${id}/upgrade`, body);

const SCENARIOS: Scenario[] = [
  {
    name: 'upgrade blue_green',
    expect: 'zero-failures',
    target: 'main',
    run: (api, d) => upgrade({ version: '2.0.0', strategy: 'blue_green' })(api, d.main),
  },
  {
    name: 'upgrade rolling (3 replicas)',
    expect: 'zero-failures',
    target: 'rolling',
    run: (api, d) => upgrade({ version: '2.0.0', strategy: 'rolling' })(api, d.rolling),
  },
  {
    name: `upgrade canary ${CANARY_STEPS.join('/')} %`,
    expect: 'zero-failures',
    target: 'main',
    run: (api, d) =>
      upgrade({
        version: '3.0.0',
        strategy: 'canary',
        canary: { steps: CANARY_STEPS, pauseSeconds: 2, maxErrorRate: 0.05, minRequests: 20 },
      })(api, d.main),
  },
  {
    name: 'restart with new env',
    expect: 'zero-failures',
    target: 'main',
    run: (api, d) => startOp(api, 'PUT', `/api/deployments/${d.main}/env`, { env: { GREETING: 'Bonjour' } }),
  },
  {
    name: 'rollback (warm)',
    expect: 'zero-failures',
    target: 'main',
    run: (api, d) => startOp(api, 'POST', `/api/deployments/${d.main}/rollback`, {}),
  },
  {
    name: 'canary to a bad release',
    expect: 'aborts',
    target: 'main',
    run: (api, d) =>
      upgrade({
        version: '3.9.0-bad',
        strategy: 'canary',
        canary: { steps: CANARY_STEPS, pauseSeconds: 3, maxErrorRate: 0.05, minRequests: 20 },
      })(api, d.main),
  },
  {
    name: 'upgrade recreate',
    expect: 'downtime',
    target: 'main',
    run: (api, d) => upgrade({ version: '4.0.0', strategy: 'recreate' })(api, d.main),
  },
];

interface Row {
  scenario: Scenario;
  op: FinishedOp;
  w: WindowReport;
}

async function bench(s: BenchStack): Promise<number> {
  const api = apiClient(s.apiUrl, s.adminToken);
  await createHelloApp(api, ['3.0.0', '4.0.0'], ['3.9.0-bad'], s.appImage);
  step('deploying the main deployment (blue_green, 1 replica) and the rolling one (3 replicas)');
  const main = await deploy(api, { name: 'main', version: '1.0.0', strategy: 'blue_green' });
  const rolling = await deploy(api, { name: 'rolling', version: '1.0.0', strategy: 'rolling', replicas: 3 });
  const hosts = { main: main.hostname, rolling: rolling.hostname };

  step(`load: vegeta, ${CONNECTIONS} initial workers, ${RATE} req/s, Host ${main.hostname}`);
  const load: LoadGenerator = startVegetaLoad({
    bin: ensureVegeta(),
    port: s.proxyPort,
    host: hosts.main,
    ratePerSec: RATE,
    workers: CONNECTIONS,
    timeoutSeconds: 10,
  });
  // Windows are cut after the load stops: vegeta's results arrive once its requests finish.
  const spans: { scenario: Scenario; op: FinishedOp; from: number; to: number }[] = [];
  const load0 = os.loadavg();
  const runStart = load.now();
  // HAProxy's log carries wall-clock times; the load's windows are relative to its start.
  const loadEpochMs = Date.now() - runStart;
  await sleep(WARMUP_MS);
  const baselineSpan = { from: WARMUP_MS / 2, to: load.now() };
  try {
    for (const sc of SCENARIOS) {
      load.retarget(hosts[sc.target]);
      await sleep(SETTLE_MS);
      const before = load.now();
      const started = await sc.run(api, { main: main.id, rolling: rolling.id });
      const from = before;
      const op = await waitOp(api, started.id, 180_000, 100);
      spans.push({ scenario: sc, op, from, to: load.now() });
      step(`${sc.name}: ${op.status}${op.error ? ` (${op.error.type})` : ''} in ${secs(op.createdToFinishedMs)}`);
      load.retarget(hosts.main);
    }
    await sleep(SETTLE_MS);
  } finally {
    await load.stop();
  }
  const whole = load.window(runStart, load.now());
  const baseline = load.window(baselineSpan.from, baselineSpan.to);
  const rows: Row[] = spans.map(({ scenario, op, from, to }) => ({ scenario, op, w: load.window(from, to) }));

  const failed = (w: WindowReport) => w.non2xx + w.connErrors;
  const verdict = (r: Row): { text: string; bad: boolean } => {
    const f = failed(r.w);
    if (r.scenario.expect === 'zero-failures') {
      const ok = r.op.status === 'succeeded' && f === 0;
      return { text: ok ? 'PASS: 0 failed' : `FAIL: op ${r.op.status}, ${f} failed`, bad: !ok };
    }
    if (r.scenario.expect === 'aborts') {
      const ok = r.op.status === 'failed' && r.op.error?.type === 'CanaryAborted';
      return { text: ok ? `aborted as designed; ${f} expected 5xx from the canary` : `UNEXPECTED: op ${r.op.status}`, bad: !ok };
    }
    return {
      text: r.op.status === 'succeeded' ? `downtime ${ms(r.w.failureSpanMs)} (${f} failed)` : `op ${r.op.status}`,
      bad: r.op.status !== 'succeeded',
    };
  };

  const lines: string[] = [];
  lines.push('', `## Zero-downtime run: ${new Date().toISOString()} — ${s.computeLabel}`, '');
  lines.push(
    `Load: vegeta ${RATE} req/s open loop through the ${ROUTER} router (${CONNECTIONS} initial workers, up to 2,000), GET / of hello-app; windows cut from vegeta's per-request results.`,
  );
  lines.push(
    `Baseline before any operation: ${num(baseline.ratePerSec)} req/s, p50 ${ms(baseline.p50Ms)}, p99 ${ms(baseline.p99Ms)}, ${failed(baseline)} failed.`,
    '',
  );
  const verdicts = rows.map(verdict);
  lines.push(
    table(
      ['scenario', 'requests', 'req/s', 'non-2xx', 'conn errors', 'p50', 'p99', 'op duration', 'result'],
      rows.map((r, i) => [
        r.scenario.name,
        r.w.requests,
        num(r.w.ratePerSec),
        r.w.non2xx,
        r.w.connErrors,
        ms(r.w.p50Ms),
        ms(r.w.p99Ms),
        secs(r.op.createdToFinishedMs),
        verdicts[i].text,
      ]),
    ),
  );
  lines.push('', 'Per scenario: which versions answered, non-2xx by status, connection errors by kind, slowest request.');
  for (const r of rows) {
    const v = Object.entries(r.w.versions)
      .map(([k, n]) => `${k}×${n}`)
      .join(' ');
    const st =
      Object.entries(r.w.byStatus)
        .filter(([c]) => !c.startsWith('2'))
        .map(([c, n]) => `${c}×${n}`)
        .join(' ') || 'none';
    const ce =
      Object.entries(r.w.errorKinds)
        .map(([c, n]) => `${c}×${n}`)
        .join(' ') || 'none';
    lines.push(
      `- ${r.scenario.name}: versions ${v || '–'}; non-2xx ${st}; conn errors ${ce}; max ${ms(r.w.maxMs)}; window ${secs(r.w.seconds * 1000)}${r.op.error ? `; error ${r.op.error.type}: ${r.op.error.message}` : ''}`,
    );
  }
  if (ROUTER === 'haproxy') {
    lines.push(
      '',
      "HAProxy's log of abnormal requests per scenario (slot, termination state: C client gave up, S/s server, H waiting for response headers, C connect, R request):",
    );
    lines.push(`- baseline: ${summariseAbnormal(s.haproxyAbnormal, loadEpochMs + baselineSpan.from, loadEpochMs + baselineSpan.to)}`);
    for (const { scenario, from, to } of spans)
      lines.push(`- ${scenario.name}: ${summariseAbnormal(s.haproxyAbnormal, loadEpochMs + from, loadEpochMs + to)}`);
  }
  lines.push(
    '',
    `Whole run (${secs(whole.seconds * 1000)}, including the time between operations): ${whole.requests} requests, ${num(whole.ratePerSec)} req/s, ${whole.non2xx} non-2xx, ${whole.connErrors} connection errors, p50 ${ms(whole.p50Ms)}, p99 ${ms(whole.p99Ms)}.`,
  );
  const load1 = os.loadavg();
  lines.push(
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at start ${load0.map((v) => v.toFixed(2)).join(' ')}, at end ${load1.map((v) => v.toFixed(2)).join(' ')}.`,
    '',
  );
  process.stdout.write(lines.join('\n') + '\n');

  const regressions = rows.filter((_, i) => verdicts[i].bad);
  const tooSlow = rows.filter((r) => r.scenario.expect === 'zero-failures' && r.w.ratePerSec < 500);
  if (tooSlow.length > 0)
    process.stdout.write(
      `note: under 500 req/s during ${tooSlow.map((r) => r.scenario.name).join(', ')} (the machine could not keep the target rate)\n`,
    );
  if (regressions.length > 0) {
    process.stdout.write(`FAILED: ${regressions.map((r) => r.scenario.name).join(', ')}\n`);
    return 1;
  }
  return 0;
}

function sleep(msToWait: number): Promise<void> {
  return new Promise((r) => setTimeout(r, msToWait));
}

runBench('zero-downtime', 20 * 60_000, { rollbackWindowSeconds: 600, drainTimeoutSeconds: 30, router: ROUTER }, bench);
