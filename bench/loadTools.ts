import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Load generators outside the process under test: wrk (closed loop, from apt) and vegeta
 * (open loop at a fixed rate, built once from the Go module proxy). Installed when missing.
 */
const VEGETA_VERSION = 'v12.12.0';
const CACHE_BIN = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'slipway', 'bin');

function onPath(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/go/bin']) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

export function ensureAptTool(name: string, pkg = name): string {
  const found = onPath(name);
  if (found) return found;
  process.stdout.write(`bench: installing ${pkg} (apt-get)\n`);
  execFileSync('apt-get', ['install', '-y', pkg], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return onPath(name) ?? fail(`${name} still missing after apt-get install -y ${pkg}`);
}

export function ensureVegeta(): string {
  const cached = path.join(CACHE_BIN, 'vegeta');
  if (existsSync(cached)) return cached;
  const found = onPath('vegeta');
  if (found) return found;
  const go = onPath('go') ?? fail('vegeta is missing and there is no Go toolchain to build it');
  process.stdout.write(`bench: building vegeta ${VEGETA_VERSION} (go install, once)\n`);
  execFileSync('nice', ['-n', '10', go, 'install', `github.com/tsenart/vegeta/v12@${VEGETA_VERSION}`], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: CACHE_BIN },
  });
  return cached;
}

function fail(message: string): never {
  throw new Error(message);
}

export interface ClosedLoopResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

const toMs = (v: string, unit: string) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit];

/** `wrk --latency`: requests/s, p50/p99, socket errors and non-2xx answers. */
export async function wrk(
  bin: string,
  url: string,
  host: string,
  o: { connections: number; threads: number; seconds: number },
): Promise<ClosedLoopResult> {
  const out = await run(bin, [`-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, '--latency', '-H', `Host: ${host}`, url]);
  const lat = (q: string) => {
    const m = new RegExp(`\\s${q}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: Number(/(\d+) requests in /.exec(out)?.[1] ?? NaN),
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50Ms: lat('50'),
    p99Ms: lat('99'),
    errors: errs ? errs.slice(1).reduce((n, v) => n + Number(v), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  };
}

export interface OpenLoopResult {
  requests: number;
  success: number;
  p99Ms: number;
  status: Record<string, number>;
}

/** `vegeta attack` at a fixed rate (open loop: a slow answer does not slow the sender down); its stdout is vegeta's binary results. */
export function vegetaAttack(bin: string, url: string, host: string, o: { rate: number; seconds: number; timeoutSeconds: number }) {
  const attack = spawn(
    bin,
    [
      'attack',
      `-rate=${o.rate}/s`,
      `-duration=${o.seconds}s`,
      `-timeout=${o.timeoutSeconds}s`,
      '-max-workers=2000',
      `-header=Host: ${host}`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  attack.stdin.end(`GET ${url}\n`);
  return attack;
}

/** vegetaAttack summarised by `vegeta report`. */
export async function vegeta(
  bin: string,
  url: string,
  host: string,
  o: { rate: number; seconds: number; timeoutSeconds: number },
): Promise<OpenLoopResult> {
  const attack = vegetaAttack(bin, url, host, o);
  const report = spawn(bin, ['report', '-type=json'], { stdio: ['pipe', 'pipe', 'inherit'] });
  attack.stdout.pipe(report.stdin);
  let text = '';
  report.stdout.on('data', (c: Buffer) => (text += c.toString()));
  await new Promise<void>((resolve) => report.once('exit', () => resolve()));
  const r = JSON.parse(text) as { requests: number; success: number; latencies: { '99th': number }; status_codes: Record<string, number> };
  return { requests: r.requests, success: r.success, p99Ms: r.latencies['99th'] / 1e6, status: r.status_codes };
}

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${bin} exited ${code}: ${out.slice(-500)}`))));
  });
}
