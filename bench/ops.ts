import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { apiClient } from '../tests/helpers/apiClient';
import { helloBootToReadyMs } from './appBoot';
import { startLoad, type WindowReport } from './loadGenerator';
import { findNginx, startNginx } from './nginx';
import { createHelloApp, deploy, phaseTimeline, readinessTimes, runOp, startOp, waitOp, type Api, type FinishedOp } from './operations';
import { runBench, step, type BenchStack } from './stack';
import { ms, num, pct, table } from './table';
import { watchForVersion } from './versionWatch';
import { workflowTimeline } from './workflowTimeline';
import { deploymentWorkflowId } from '../domain/operations';

/**
 * `npm run bench:ops`: what Slipway itself costs. (a) engine overhead per operation kind,
 * (b) rollback latency to the first answer of the previous version, (c) API latency of
 * starting an operation, (d) the router's throughput and p99 against hitting hello-app
 * directly and against nginx. Knobs: BENCH_RUNS (10), BENCH_API_STARTS (50),
 * BENCH_TP_SECONDS (10), BENCH_TP_CONNECTIONS (16), BENCH_TP_ROUNDS (2), BENCH_SECTIONS
 * (`abcd`: which of the four run; (c) deploys its own five deployments when (a) did not run).
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const API_STARTS = Number(process.env.BENCH_API_STARTS ?? 50);
const TP_SECONDS = Number(process.env.BENCH_TP_SECONDS ?? 10);
const TP_CONNECTIONS = Number(process.env.BENCH_TP_CONNECTIONS ?? 16);
const TP_ROUNDS = Number(process.env.BENCH_TP_ROUNDS ?? 2);
const SECTIONS = process.env.BENCH_SECTIONS ?? 'abcd';

const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const out: string[] = [];
const print = (...lines: string[]) => {
  out.push(...lines);
};

async function overhead(api: Api): Promise<{ id: string; hostname: string }[]> {
  step(`(a) hello-app boot-to-ready, measured directly, ${RUNS}×`);
  const boots: number[] = [];
  for (let i = 0; i < RUNS; i++) boots.push(await helloBootToReadyMs());
  const boot = pct(boots, 0.5);

  const kinds: { kind: string; ops: FinishedOp[]; ready: number[] }[] = [];
  const record = async (kind: string, op: FinishedOp) => {
    let k = kinds.find((x) => x.kind === kind);
    if (!k) kinds.push((k = { kind, ops: [], ready: [] }));
    if (op.status !== 'succeeded') throw new Error(`${kind} ${op.id} ${op.status}: ${JSON.stringify(op.error)}`);
    k.ops.push(op);
    k.ready.push(...(await readinessTimes(api, op.id)));
  };
  step(`(a) ${RUNS} deploys, ${RUNS} blue-green upgrades, ${RUNS} restarts, one at a time, no load`);
  const deployments: { id: string; hostname: string }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const d = await deploy(api, { name: `ops-${i}`, version: '1.0.0' });
    deployments.push(d);
    await record('deploy', d.done);
  }
  for (const d of deployments)
    await record('upgrade (blue_green)', (await runOp(api, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' })).done);
  for (const d of deployments) await record('restart', (await runOp(api, 'POST', `/api/deployments/${d.id}/restart`, {})).done);

  print(
    '### (a) Engine overhead per operation',
    '',
    `hello-app boot-to-ready measured directly (spawn → first 200 on /healthz, probed every 2 ms): p50 ${ms(boot)}, p99 ${ms(pct(boots, 0.99))} over ${RUNS} boots.`,
    "op = operation created → finished (API timestamps); overhead = op − app boot-to-ready p50; awaitReady = the engine's own readiness wait (operation log).",
    '',
  );
  print(
    table(
      ['operation', 'runs', 'op p50', 'op p99', 'workflow started→finished p50', 'awaitReady p50', 'overhead p50', 'overhead p99'],
      kinds.map((k) => {
        const op = k.ops.map((o) => o.createdToFinishedMs);
        const over = op.map((v) => v - boot);
        return [
          k.kind,
          k.ops.length,
          ms(pct(op, 0.5)),
          ms(pct(op, 0.99)),
          ms(
            pct(
              k.ops.map((o) => o.startedToFinishedMs),
              0.5,
            ),
          ),
          ms(pct(k.ready, 0.5)),
          ms(pct(over, 0.5)),
          ms(pct(over, 0.99)),
        ];
      }),
    ),
    '',
  );
  print('Where the time goes (first log line of each phase, ms after the operation was created; the run nearest the median):', '');
  for (const k of kinds) {
    const sorted = [...k.ops].sort((x, y) => x.createdToFinishedMs - y.createdToFinishedMs);
    print(`- ${k.kind}: ${await phaseTimeline(api, sorted[Math.floor((sorted.length - 1) / 2)])}`);
  }
  print('');
  return deployments;
}

/**
 * How the rollback bench watches for the previous version, alternated run by run so both
 * see the same machine: back to back on two connections (the finest resolution, and the
 * figure of earlier tables), and one request per millisecond on one connection, which
 * leaves the CPU to the engine being measured instead of spending most of a core on polling.
 */
const PROBES = [
  { name: 'back-to-back probe (2 connections)', watch: { loops: 2, intervalMs: 0 } },
  { name: 'paced probe (1 connection, 1 ms pause)', watch: { loops: 1, intervalMs: 1 } },
] as const;

async function rollbackLatency(api: Api, s: BenchStack): Promise<void> {
  step(`(b) rollback latency, ${RUNS}× (warm slot), probes alternating: ${PROBES.map((p) => p.name).join(', ')}`);
  const d = await deploy(api, { name: 'ops-rollback', version: '1.0.0' });
  const up = await runOp(api, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
  if (up.done.status !== 'succeeded') throw new Error(`upgrade for the rollback bench failed: ${JSON.stringify(up.done.error)}`);
  const rows: {
    target: string;
    probe: (typeof PROBES)[number]['name'];
    firstAnswer: number;
    api: number;
    op: number;
    warm: boolean;
    done: FinishedOp;
    postedAtMs: number;
    runId: string;
  }[] = [];
  for (let i = 0; i < RUNS; i++) {
    await sleep(500);
    const dep = (await api('GET', `/api/deployments/${d.id}`)).body;
    const target = String(dep.previousVersion);
    const probe = PROBES[i % PROBES.length];
    const watch = watchForVersion(s.proxyPort, d.hostname, target, probe.watch);
    await sleep(50); // the watch's connections are open and polling before the clock starts
    const t0 = performance.now();
    const postedAtMs = Date.now();
    let started;
    try {
      started = await startOp(api, 'POST', `/api/deployments/${d.id}/rollback`, {});
    } catch (err) {
      watch.stop();
      throw err;
    }
    const seenAt = await watch.seen;
    const done = await waitOp(api, started.id, 60_000, 50);
    if (done.status !== 'succeeded') throw new Error(`rollback ${done.id} ${done.status}: ${JSON.stringify(done.error)}`);
    const logs = (await api('GET', `/api/operations/${done.id}/logs`)).body.logs as { message: string }[];
    const opRow = (await api('GET', `/api/operations/${done.id}`)).body as { runId: string };
    rows.push({
      done,
      postedAtMs,
      runId: opRow.runId,
      target,
      probe: probe.name,
      firstAnswer: seenAt - t0,
      api: started.answeredAt - t0,
      op: done.createdToFinishedMs,
      warm: logs.some((l) => /still warm: rolling back is a traffic switch/.test(l.message)),
    });
  }
  const quantiles = (values: number[]) => [0.5, 0.99, 0, 1].map((q) => ms(pct(values, q)));
  print(
    '### (b) Rollback latency (warm slot)',
    '',
    `POST /rollback → first answer of the previous version through the router, ${rows.length} rollbacks alternating 2.0.0 ⇄ 1.0.0 and alternating the probe, ${rows.filter((r) => r.warm).length}/${rows.length} were pure traffic switches (warm).`,
    '',
  );
  print(
    table(
      ['measure', 'runs', 'p50', 'p99', 'min', 'max'],
      [
        ...PROBES.map((p) => {
          const mine = rows.filter((r) => r.probe === p.name).map((r) => r.firstAnswer);
          return [`POST /rollback → first answer of previous version, ${p.name}`, mine.length, ...quantiles(mine)];
        }),
        ['POST /rollback → 202', rows.length, ...quantiles(rows.map((r) => r.api))],
        ['rollback operation created → finished', rows.length, ...quantiles(rows.map((r) => r.op))],
      ],
    ),
    '',
  );
  const paced = rows.filter((r) => r.probe === PROBES[1].name);
  const basis = paced.length > 0 ? paced : rows;
  const median = [...basis].sort((x, y) => x.firstAnswer - y.firstAnswer)[Math.floor((basis.length - 1) / 2)];
  print(
    `Where the time goes (median rollback of the ${basis === paced ? 'paced probe' : 'probe'}; first answer of the previous version at +${Math.round(median.firstAnswer)} ms after the POST): ${await phaseTimeline(api, median.done)}`,
    '',
    `Same rollback, ms after the POST was sent (wall clock, one machine): 202 +${Math.round(median.api)}, ${await workflowTimeline(
      s.temporalAddress,
      deploymentWorkflowId(d.id),
      median.runId,
      median.postedAtMs,
    )}, first answer of the previous version +${Math.round(median.firstAnswer)}; operation row written +${Math.round(
      median.done.createdAtMs - median.postedAtMs,
    )}.`,
    '',
  );
}

/** Five running deployments for (c) when (a) did not leave any. */
async function deployTargets(api: Api): Promise<{ id: string }[]> {
  const targets: { id: string }[] = [];
  for (let i = 0; i < 5; i++) targets.push(await deploy(api, { name: `ops-c-${i}`, version: '1.0.0' }));
  return targets;
}

async function apiStartLatency(api: Api, deployments: { id: string }[]): Promise<void> {
  const targets = deployments.slice(0, 5);
  const rounds = Math.ceil(API_STARTS / targets.length);
  step(`(c) API latency of starting an operation: ${rounds} rounds of restarts on ${targets.length} deployments`);
  const lat: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const started = [];
    for (const d of targets) {
      const st = await startOp(api, 'POST', `/api/deployments/${d.id}/restart`, {});
      lat.push(st.answeredAt - st.sentAt);
      started.push(st);
    }
    // Waiting for the restarts is not measured: the next round needs the deployments free.
    for (const st of started) await waitOp(api, st.id, 60_000, 100);
  }
  print(
    '### (c) API latency of starting an operation',
    '',
    `POST /api/deployments/:id/restart → 202, ${lat.length} starts: ${rounds} rounds of one restart on each of ${targets.length} deployments, sent one after another (the earlier restarts of a round run while the later ones are requested); the wait for each round to finish is not counted.`,
    '',
  );
  print(
    table(['measure', 'n', 'p50', 'p99', 'max'], [['POST → 202', lat.length, ms(pct(lat, 0.5)), ms(pct(lat, 0.99)), ms(pct(lat, 1))]]),
    '',
  );
}

async function throughput(api: Api, s: BenchStack): Promise<void> {
  step(
    `(d) throughput: direct vs router vs nginx, ${TP_ROUNDS} round(s) of ${TP_SECONDS} s each, ${TP_CONNECTIONS} connections, closed loop`,
  );
  const d = await deploy(api, { name: 'ops-throughput', version: '1.0.0' });
  const route = (await (
    await fetch(`${s.routerAdminUrl}/routes/${d.id}`, { headers: { authorization: `Bearer ${s.routerAdminSecret}` } })
  ).json()) as { upstreams: { url: string }[] };
  // The revision's own address: loopback for a local process, the Service's ClusterIP on kubernetes
  // (dialling 127.0.0.1 there was what failed every "direct" and nginx request before).
  const upstream = new URL(route.upstreams[0].url);
  const appPort = Number(upstream.port);
  const appAddress = upstream.hostname;
  const nginxBin = findNginx();
  const nginx = nginxBin
    ? await startNginx(nginxBin, path.join(s.dir, 'nginx'), appPort, 1, appAddress).catch((err) => {
        print(`nginx found at ${nginxBin} but did not start: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      })
    : undefined;
  const measure = async (port: number, host: string | undefined, address?: string): Promise<WindowReport> => {
    const load = startLoad({ port, host, address, connections: TP_CONNECTIONS, ratePerSec: 0, maxDurationMs: (TP_SECONDS + 5) * 1000 });
    await sleep(TP_SECONDS * 1000);
    const end = load.now();
    await load.stop();
    return load.window(1000, end); // the first second warms up connections and the JIT
  };
  const rows: (string | number)[][] = [];
  try {
    for (let r = 1; r <= TP_ROUNDS; r++) {
      const direct = await measure(appPort, undefined, appAddress);
      const router = await measure(s.proxyPort, d.hostname);
      const viaNginx = nginx ? await measure(nginx.port, d.hostname) : undefined;
      const row = (name: string, w: WindowReport) => [
        r,
        name,
        num(w.ratePerSec),
        ms(w.p50Ms),
        ms(w.p99Ms),
        w.non2xx + w.connErrors,
        num(w.ratePerSec / direct.ratePerSec, 2),
        num(w.p99Ms / direct.p99Ms, 2),
      ];
      rows.push(row('hello-app directly', direct), row('built-in router', router));
      if (viaNginx) rows.push(row('nginx (1 worker, keepalive upstream)', viaNginx));
      if (viaNginx)
        rows.push([
          r,
          'router ÷ nginx',
          '',
          '',
          '',
          '',
          num(router.ratePerSec / viaNginx.ratePerSec, 2),
          num(router.p99Ms / viaNginx.p99Ms, 2),
        ]);
    }
  } finally {
    await nginx?.stop();
  }
  print(
    '### (d) Router throughput and latency',
    '',
    `GET / of one hello-app process, ${TP_CONNECTIONS} keep-alive connections as fast as they go, ${TP_SECONDS} s per target (first second not counted), targets one after another in each round.`,
    nginxBin
      ? nginx
        ? `nginx: ${nginxBin}, worker_processes 1, upstream keepalive 64, access_log off.`
        : 'nginx: could not start (see above); skipped.'
      : 'nginx: not installed (apt-get install -y nginx); skipped.',
    '',
  );
  print(table(['round', 'target', 'req/s', 'p50', 'p99', 'failed', 'req/s ÷ direct', 'p99 ÷ direct'], rows), '');
}

async function bench(s: BenchStack): Promise<number> {
  const api = apiClient(s.apiUrl, s.adminToken);
  await createHelloApp(api, [], [], s.appImage);
  const load0 = os.loadavg();
  try {
    const deployments = SECTIONS.includes('a') ? await overhead(api) : [];
    if (SECTIONS.includes('b')) await rollbackLatency(api, s);
    if (SECTIONS.includes('c')) await apiStartLatency(api, deployments.length > 0 ? deployments : await deployTargets(api));
    if (SECTIONS.includes('d')) await throughput(api, s);
  } catch (err) {
    // The sections that finished are still worth having; the error says where it stopped.
    const load = os.loadavg().map((v) => v.toFixed(2));
    process.stdout.write(
      [
        '',
        '## Ops run (incomplete)',
        '',
        ...out,
        `load average at start ${load0.map((v) => v.toFixed(2)).join(' ')}, now ${load.join(' ')}.`,
        '',
      ].join('\n') + '\n',
    );
    throw err;
  }
  const load1 = os.loadavg();
  process.stdout.write(
    [
      '',
      `## Ops run: ${new Date().toISOString()} — ${s.temporalLabel}, ${s.computeLabel}`,
      '',
      ...out,
      `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at start ${load0.map((v) => v.toFixed(2)).join(' ')}, at end ${load1.map((v) => v.toFixed(2)).join(' ')}.`,
      '',
    ].join('\n') + '\n',
  );
  return 0;
}

runBench('ops', 30 * 60_000, { rollbackWindowSeconds: 600, drainTimeoutSeconds: 30 }, bench);
