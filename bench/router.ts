import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { getFreePort } from '../compute/local/freePort';
import { createLogger } from '../src/logger';
import { startBuiltinRouter } from '../traffic/builtin/builtinRouter';
import { createHttpRouterClient } from '../traffic/builtin/httpRouterClient';
import { saveHaproxyState } from '../traffic/haproxy/haproxyFiles';
import { startHaproxy } from '../traffic/haproxy/haproxyProcess';
import { emptyState } from '../traffic/haproxy/haproxyState';
import { createHaproxyRouter } from '../traffic/haproxy/haproxyRouter';
import { ensureAptTool, ensureVegeta, vegeta, wrk, type ClosedLoopResult } from './loadTools';
import { findNginx, startNginx } from './nginx';
import { ownCpuMs, processTreeCpuMs } from './processCpu';
import { ms, num, pct, table } from './table';
import { quantileMs, recoveredAfterMs, vegetaHits } from './vegetaResults';

/**
 * `npm run bench:router`: hello-app directly, the built-in router, HAProxy and nginx in
 * front of the same hello-app process, in one run. Closed loop with wrk (interleaved
 * rounds, so drift on the shared machine hits every target alike), then an open-loop
 * step test with vegeta at fixed rates (success ratio and p99 per router), then a
 * recovery probe on the built-in router right after its heaviest step. The load
 * generators are separate processes; nothing here is a test assertion.
 *
 * Knobs: BENCH_ROUNDS (3), BENCH_SECONDS (5 per closed-loop round), BENCH_CONNECTIONS (32),
 * BENCH_RATES (1000,2000,5000,10000), BENCH_STEP_SECONDS (5), BENCH_PROXY_WORKERS (1: nginx
 * worker processes and HAProxy threads alike, so both get the same share of the cores).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const RATES = (process.env.BENCH_RATES ?? '1000,2000,5000,10000').split(',').map(Number);
const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 5);
const PROXY_WORKERS = Number(process.env.BENCH_PROXY_WORKERS ?? 1);
const HOST = 'd-bench.localhost';

interface Target {
  name: string;
  url: string;
  /** CPU time so far of what does this target's proxying: the proxy's processes; for `direct`, hello-app itself. */
  cpuMs: () => number;
}

/** CPU per request of the proxy and of hello-app behind it, in µs: steadier than req/s when other work shares the cores. */
interface Cost {
  proxyUs: number;
  appUs: number;
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

async function startHello(): Promise<{ port: number; pid: number; stop(): void }> {
  const port = await getFreePort();
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'examples', 'hello-app', 'server.js')], {
    env: { PATH: process.env.PATH, PORT: String(port), GREETING: 'bench', SLIPWAY_RELEASE_VERSION: '1.0.0', LOG_FORMAT: 'text' },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { port, pid: child.pid!, stop: () => child.kill('SIGTERM') };
    await sleep(50);
  }
  throw new Error('hello-app did not get ready');
}

/**
 * Growing HAProxy's pool is the one change that reloads it. Five slot growths (2, 3, 5, 9
 * and 17 upstreams on another deployment) while vegeta sends 1,000 req/s to a route that
 * never changes; the answer counts what that traffic lost.
 */
async function reloadsUnderLoad(vegetaBin: string, dir: string, upstream: { key: string; url: string; weight: number }[]): Promise<string> {
  const settings = {
    dir: path.join(dir, 'haproxy-reload'),
    bindHost: '127.0.0.1',
    port: await getFreePort(),
    adminHost: '127.0.0.1',
    adminPort: await getFreePort(),
    maxBodyBytes: 1024,
  };
  await saveHaproxyState(emptyState({ poolSize: 2, slotsPerBackend: 1 }), settings);
  const haproxy = await startHaproxy(settings);
  try {
    const router = await createHaproxyRouter(settings);
    await router.setRoute({ deploymentId: 'd-bench', hostname: HOST, upstreams: upstream });
    const load = vegeta(vegetaBin, `http://127.0.0.1:${settings.port}/`, HOST, { rate: 1000, seconds: 8, timeoutSeconds: 5 });
    await sleep(1000);
    const sizes = [2, 3, 5, 9, 17];
    for (const n of sizes) {
      const ups = Array.from({ length: n }, (_, i) => ({ key: `g${i}`, url: upstream[0].url, weight: 1 }));
      await router.setRoute({ deploymentId: 'd-grow', hostname: 'd-grow.localhost', upstreams: ups });
      await sleep(1000);
    }
    const r = await load;
    return table(
      ['HAProxy, 1000 req/s for 8 s', 'reloads', 'requests', 'success', 'p99', 'status codes (0 = no answer)'],
      [['while the pool grows', sizes.length, r.requests, `${num(r.success * 100, 2)} %`, ms(r.p99Ms), JSON.stringify(r.status)]],
    );
  } finally {
    await haproxy.stop();
  }
}

async function main(): Promise<void> {
  const wrkBin = ensureAptTool('wrk');
  const vegetaBin = ensureVegeta();
  const nginxBin = findNginx() ?? ensureAptTool('nginx');
  ensureAptTool('haproxy');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-bench-router-'));
  const hello = await startHello();
  const upstream = [{ key: 'hello', url: `http://127.0.0.1:${hello.port}`, weight: 100 }];
  const logger = createLogger('bench', 'warn');

  const adminSecret = randomBytes(24).toString('base64url');
  const builtin = await startBuiltinRouter({
    host: '127.0.0.1',
    port: 0,
    adminHost: '127.0.0.1',
    adminPort: 0,
    adminSecret,
    stateFile: path.join(dir, 'routes.json'),
    logger,
  });
  await createHttpRouterClient({ adminUrl: builtin.adminUrl, adminSecret }).setRoute({
    deploymentId: 'd-bench',
    hostname: HOST,
    upstreams: upstream,
  });
  const haproxySettings = {
    dir: path.join(dir, 'haproxy'),
    bindHost: '127.0.0.1',
    port: await getFreePort(),
    adminHost: '127.0.0.1',
    adminPort: await getFreePort(),
    maxBodyBytes: 10 * 1024 * 1024,
    threads: PROXY_WORKERS,
  };
  const haproxy = await startHaproxy(haproxySettings);
  await (await createHaproxyRouter(haproxySettings)).setRoute({ deploymentId: 'd-bench', hostname: HOST, upstreams: upstream });
  const nginx = await startNginx(nginxBin, path.join(dir, 'nginx'), hello.port, PROXY_WORKERS);

  const targets: Target[] = [
    { name: 'direct', url: `http://127.0.0.1:${hello.port}/`, cpuMs: () => ownCpuMs(hello.pid) },
    // In this process, which only waits for wrk meanwhile; its children (wrk, hello-app, the
    // other proxies) are not the router's work, so only the process itself is counted.
    { name: 'built-in', url: `${builtin.proxyUrl}/`, cpuMs: () => ownCpuMs(process.pid) },
    { name: 'haproxy', url: `http://127.0.0.1:${haproxySettings.port}/`, cpuMs: () => processTreeCpuMs(haproxy.pid) },
    { name: 'nginx', url: `http://127.0.0.1:${nginx.port}/`, cpuMs: () => processTreeCpuMs(nginx.pid) },
  ];
  try {
    process.stdout.write(
      `closed loop: wrk -t2 -c${CONNECTIONS} -d${SECONDS}s, ${ROUNDS} interleaved rounds; nginx workers = HAProxy threads = ${PROXY_WORKERS}; load average ${loadAverage()}\n`,
    );
    const closed = new Map<string, (ClosedLoopResult & Cost)[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        const proxy0 = t.cpuMs();
        const app0 = ownCpuMs(hello.pid);
        const r = await wrk(wrkBin, t.url, HOST, { connections: CONNECTIONS, threads: 2, seconds: SECONDS });
        const perRequestUs = (cpuMs: number) => (cpuMs * 1000) / r.requests;
        const cost = { proxyUs: perRequestUs(t.cpuMs() - proxy0), appUs: perRequestUs(ownCpuMs(hello.pid) - app0) };
        closed.get(t.name)!.push({ ...r, ...cost });
        process.stdout.write(
          `  round ${round + 1} ${t.name}: ${num(r.rps)} req/s, p99 ${ms(r.p99Ms)}, CPU/request ${num(cost.proxyUs, 1)} µs (hello-app ${num(cost.appUs, 1)} µs), load ${loadAverage()}\n`,
        );
      }
    }
    const median = (name: string, f: (r: ClosedLoopResult & Cost) => number) => pct(closed.get(name)!.map(f), 0.5);
    const nginxRps = median('nginx', (r) => r.rps);
    const nginxP99 = median('nginx', (r) => r.p99Ms);
    process.stdout.write(
      `\n${table(
        [
          'target',
          'req/s (median)',
          'req/s per round',
          'vs nginx',
          'p50',
          'p99 (median)',
          'p99 vs nginx',
          'proxy CPU/request (median)',
          'CPU/request vs nginx',
          'hello-app CPU/request',
          'socket errors',
          'non-2xx',
        ],
        targets.map((t) => [
          t.name,
          num(median(t.name, (r) => r.rps)),
          closed
            .get(t.name)!
            .map((r) => num(r.rps))
            .join(' / '),
          `${num(median(t.name, (r) => r.rps) / nginxRps, 2)}×`,
          ms(median(t.name, (r) => r.p50Ms)),
          ms(median(t.name, (r) => r.p99Ms)),
          `${num(median(t.name, (r) => r.p99Ms) / nginxP99, 2)}×`,
          `${num(
            median(t.name, (r) => r.proxyUs),
            1,
          )} µs`,
          `${num(median(t.name, (r) => r.proxyUs) / median('nginx', (r) => r.proxyUs), 2)}×`,
          `${num(
            median(t.name, (r) => r.appUs),
            1,
          )} µs`,
          closed.get(t.name)!.reduce((n, r) => n + r.errors, 0),
          closed.get(t.name)!.reduce((n, r) => n + r.non2xx, 0),
        ]),
      )}\n\n`,
    );

    process.stdout.write(
      `open loop: vegeta attack -rate=N -duration=${STEP_SECONDS}s -timeout=5s, rates ${RATES.join(', ')}; load average ${loadAverage()}\n`,
    );
    const rows: (string | number)[][] = [];
    for (const rate of RATES) {
      for (const t of targets.filter((x) => x.name !== 'direct')) {
        const r = await vegeta(vegetaBin, t.url, HOST, { rate, seconds: STEP_SECONDS, timeoutSeconds: 5 });
        const codes = Object.entries(r.status)
          .map(([code, n]) => `${code}:${n}`)
          .join(' ');
        rows.push([`${rate}/s`, t.name, r.requests, `${num(r.success * 100, 1)} %`, ms(r.p99Ms), codes]);
        process.stdout.write(`  ${rate}/s ${t.name}: ${num(r.success * 100, 1)} % ok, p99 ${ms(r.p99Ms)} (${codes})\n`);
        await sleep(1000);
      }
    }
    process.stdout.write(`\n${table(['rate', 'target', 'requests', 'success', 'p99', 'status codes (0 = no answer)'], rows)}\n\n`);

    // Shedding and recovery: twice the built-in router's closed-loop capacity, with a light
    // probe running through and past it; the probe shows when every request succeeds again.
    process.stdout.write(`shedding probe; load average ${loadAverage()}\n`);
    const overloadRate = Math.max(1000, Math.round((2 * median('built-in', (r) => r.rps)) / 100) * 100);
    const builtinUrl = targets[1].url;
    const probeStart = Date.now();
    const [overload, probe] = await Promise.all([
      vegetaHits(vegetaBin, builtinUrl, HOST, { rate: overloadRate, seconds: STEP_SECONDS, timeoutSeconds: 5 }),
      vegetaHits(vegetaBin, builtinUrl, HOST, { rate: 100, seconds: STEP_SECONDS + 3, timeoutSeconds: 5 }),
    ]);
    const overloadEnd = probeStart + STEP_SECONDS * 1000;
    const served = overload.filter((h) => h.code === 200).map((h) => h.latencyMs);
    const shed = overload.filter((h) => h.code === 503).map((h) => h.latencyMs);
    const recovered = recoveredAfterMs(probe, overloadEnd);
    process.stdout.write(
      `${table(
        [
          'built-in router',
          'sent',
          'served (200)',
          'served p50',
          'served p99',
          'shed (503)',
          'shed p99',
          'no answer',
          'all ok again after the overload',
        ],
        [
          [
            `${overloadRate}/s for ${STEP_SECONDS}s (2× closed-loop capacity) + 100/s probe`,
            overload.length,
            served.length,
            ms(quantileMs(served, 0.5)),
            ms(quantileMs(served, 0.99)),
            shed.length,
            ms(quantileMs(shed, 0.99)),
            overload.filter((h) => h.code === 0).length,
            recovered === null ? 'not within 3 s' : `${recovered} ms`,
          ],
        ],
      )}\n`,
    );
    process.stdout.write(`\n${await reloadsUnderLoad(vegetaBin, dir, upstream)}\n`);
  } finally {
    await builtin.close();
    await haproxy.stop();
    await nginx.stop();
    hello.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench:router failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
