import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { concretePort } from '../../src/bootstrap/freeTcpPort';

/**
 * Issue 17: every start-up failure of `npm start` is one line naming the cause and the
 * fix, exit code 1, no stack trace. Each case runs the real `node --import tsx src/main.ts`.
 */
const REPO = path.resolve(__dirname, '../..');
const RUN_TIMEOUT_MS = 120_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runMain(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/main.ts')], {
      cwd: REPO,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Below the ephemeral range: a port 0 handed out can be taken by any outgoing connection before main.ts binds it. */
const freePort = () => concretePort(0);

/** Ports for everything main.ts would listen on, all free, plus a fresh data dir. */
async function baseEnv(tmp: string): Promise<Record<string, string>> {
  return {
    SLIPWAY_DATA_DIR: path.join(tmp, `data-${Math.random().toString(36).slice(2)}`),
    SLIPWAY_API_PORT: String(await freePort()),
    SLIPWAY_ROUTER_PORT: String(await freePort()),
    SLIPWAY_ROUTER_ADMIN_PORT: String(await freePort()),
    SLIPWAY_TEMPORAL_PORT: String(await freePort()),
    SLIPWAY_TEMPORAL_UI_PORT: String(await freePort()),
  };
}

function expectOneLine(run: Run, pattern: RegExp): void {
  const lines = run.stderr.split('\n').filter((l) => l.trim());
  expect({ code: run.code, lines }).toEqual({ code: 1, lines: [expect.stringMatching(pattern)] });
  expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('npm start: start-up failures are one line with the cause and the fix', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-startup-'));
    await fs.chmod(tmp, 0o711);
  });
  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('a port in use: which process holds it and which variable moves it', async () => {
    const env = await baseEnv(tmp);
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(Number(env.SLIPWAY_API_PORT), '0.0.0.0', r));
    try {
      const run = await runMain(env);
      expectOneLine(
        run,
        new RegExp(`port ${env.SLIPWAY_API_PORT} for the API is in use by pid ${process.pid} \\(.+\\) — .*SLIPWAY_API_PORT=`),
      );
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });

  it('a data directory that cannot be written', async () => {
    const file = path.join(tmp, 'a-file');
    await fs.writeFile(file, '');
    const run = await runMain({ ...(await baseEnv(tmp)), SLIPWAY_DATA_DIR: path.join(file, 'data') });
    expectOneLine(run, /the data directory .*a-file\/data is not writable \(ENOTDIR\) — set SLIPWAY_DATA_DIR/);
  });

  it('DATABASE_URL unreachable, with the password redacted', async () => {
    const run = await runMain({ ...(await baseEnv(tmp)), DATABASE_URL: `postgres://app:hunter2@127.0.0.1:${await freePort()}/slipway` });
    expectOneLine(
      run,
      /DATABASE_URL postgres:\/\/app:\*\*\*@127\.0\.0\.1:\d+\/slipway is unreachable \(ECONNREFUSED\) — .*unset DATABASE_URL/,
    );
    expect(run.stderr).not.toContain('hunter2');
  });

  it('SLIPWAY_COMPUTE=docker with a DOCKER_HOST that does not answer', async () => {
    const socket = path.join(tmp, 'no-engine.sock');
    const run = await runMain({ ...(await baseEnv(tmp)), SLIPWAY_COMPUTE: 'docker', DOCKER_HOST: `unix://${socket}` });
    expectOneLine(
      run,
      /DOCKER_HOST unix:\/\/.*no-engine\.sock does not answer the Docker Engine API \(.+\) — .*unset it to let Slipway run Podman/,
    );
  });

  it('TEMPORAL_ADDRESS unreachable', async () => {
    const run = await runMain({
      ...(await baseEnv(tmp)),
      DATABASE_URL: process.env.SLIPWAY_TEST_DATABASE_URL!,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    });
    expectOneLine(run, /TEMPORAL_ADDRESS 127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\) — .*unset TEMPORAL_ADDRESS/);
  });

  it('a missing tool: the Temporal CLI, with how to get it', async () => {
    const run = await runMain({
      ...(await baseEnv(tmp)),
      DATABASE_URL: process.env.SLIPWAY_TEST_DATABASE_URL!,
      TEMPORAL_CLI: path.join(tmp, 'no-such-temporal'),
    });
    expectOneLine(
      run,
      /the Temporal CLI is missing: TEMPORAL_CLI=.*no-such-temporal is not an executable file — .*TEMPORAL_CLI=\/path\/to\/temporal/,
    );
  });

  it('a Temporal dev server that will not start: its last log lines', async () => {
    const cli = path.join(tmp, 'broken-temporal');
    await fs.writeFile(cli, '#!/bin/sh\necho "temporal: cannot open the database: disk on fire" >&2\nexit 3\n', { mode: 0o755 });
    const run = await runMain({ ...(await baseEnv(tmp)), DATABASE_URL: process.env.SLIPWAY_TEST_DATABASE_URL!, TEMPORAL_CLI: cli });
    expectOneLine(run, /the Temporal dev server did not start \(.*code 3.*disk on fire\) — .*TEMPORAL_ADDRESS/);
  });

  it('an embedded Postgres that will not start: its last log lines', async () => {
    const env = await baseEnv(tmp);
    // A cluster from a Postgres version that does not exist: the server refuses it.
    await fs.mkdir(path.join(env.SLIPWAY_DATA_DIR, 'postgres'), { recursive: true });
    await fs.writeFile(path.join(env.SLIPWAY_DATA_DIR, 'postgres', 'PG_VERSION'), '99\n');
    const run = await runMain(env);
    expectOneLine(run, /embedded Postgres did not start \(.*last log lines: .*postgres.*\) — .*DATABASE_URL/);
  });

  it('LOG_LEVEL=debug adds the details', async () => {
    const run = await runMain({
      ...(await baseEnv(tmp)),
      LOG_LEVEL: 'debug',
      DATABASE_URL: `postgres://app:hunter2@127.0.0.1:${await freePort()}/slipway`,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\n\s+at /);
    expect(run.stderr.trim().split('\n').pop()).toMatch(/^slipway: DATABASE_URL .* is unreachable/);
  });
});
