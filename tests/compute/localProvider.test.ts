import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createArtifactStore } from '../../compute/local/artifactStore';
import type { ComputeProvider, RevisionSpec } from '../../ports/compute';
import { createLocalComputeProvider } from '../../compute/local/localProvider';
import { readProcStat } from '../../compute/local/processInfo';

const REPO = path.resolve(__dirname, '../..');
const FIXTURES = path.join(REPO, 'tests/fixtures/compute-apps');
const logger = pino({ level: 'silent' });

let tmp: string;
let stateDir: string;
let helloDir: string;
/** The fixture apps as a stored artifact: app users cannot enter a checkout in a 0700 folder. */
let fixturesDir: string;
let provider: ComputeProvider;
/** Every pid a test saw, so afterAll can kill whatever a failing test left running. */
const pids = new Set<number>();

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-local-'));
  await fs.chmod(tmp, 0o711); // app users must pass through to their artifacts and homes
  stateDir = path.join(tmp, 'state');
  const store = createArtifactStore(path.join(tmp, 'artifacts'), { sourceRoots: [REPO] });
  helloDir = (await store.put(path.join(REPO, 'examples/hello-app'))).dir;
  fixturesDir = (await store.put(FIXTURES)).dir;
  provider = createLocalComputeProvider({ stateDir, logger });
});

afterAll(async () => {
  for (const key of await stateKeys()) await provider.stop(key, { graceMs: 200 }).catch(() => undefined);
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await fs.rm(tmp, { recursive: true, force: true });
});

async function stateKeys(): Promise<string[]> {
  const names = await fs.readdir(stateDir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5));
}

function helloSpec(key: string, env: Record<string, string> = {}): RevisionSpec {
  return {
    key,
    deploymentId: 'd-test',
    tenantId: 't-test',
    service: 'web',
    program: { kind: 'artifact', artifactDir: helloDir, command: ['node', 'server.js'] },
    env: { GREETING: 'hi there', SLIPWAY_RELEASE_VERSION: '1.0.0', ...env },
    portEnv: 'PORT',
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const url = (port: number, p: string) => `http://127.0.0.1:${port}${p}`;

async function waitReady(port: number): Promise<void> {
  await waitFor('healthz 200', async () => (await fetch(url(port, '/healthz'))).status === 200);
}

/** A zombie counts as gone: orphans here may wait a while for PID 1 to reap them. */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat !== null && stat.state !== 'Z';
}

describe('local compute provider', () => {
  it('runs the hello app on a free port with the given environment', async () => {
    const running = await provider.start(helloSpec('hello-1', { SESSION_SECRET: 'abcdef0123' }));
    pids.add(running.pid);
    expect(running.endpoint.host).toBe('127.0.0.1');
    await waitReady(running.endpoint.port);

    const body = await (await fetch(url(running.endpoint.port, '/'))).json();
    expect(body).toEqual({
      version: '1.0.0',
      greeting: 'hi there',
      pid: running.pid,
      instance: `${os.hostname()}:${running.pid}`,
      secretLength: 10,
    });
    expect((await fetch(url(running.endpoint.port, '/fail'))).status).toBe(500);
    expect(await provider.status('hello-1')).toEqual(running);

    const logs = await provider.tailLogs('hello-1', 50);
    expect(logs.some((line) => line.includes('listening'))).toBe(true);
    expect(logs.join('\n')).not.toContain('abcdef0123');
  });

  it('returns the running revision when started twice with the same key', async () => {
    const [a, b] = await Promise.all([provider.start(helloSpec('hello-2')), provider.start(helloSpec('hello-2'))]);
    pids.add(a.pid).add(b.pid);
    const c = await provider.start(helloSpec('hello-2'));
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('lets a fresh provider (a new worker) adopt and list running revisions', async () => {
    const running = await provider.start(helloSpec('hello-3'));
    pids.add(running.pid);
    const newWorker = createLocalComputeProvider({ stateDir, logger });

    expect(await newWorker.status('hello-3')).toEqual(running);
    expect(await newWorker.start(helloSpec('hello-3'))).toEqual(running);
    expect(await newWorker.list('d-test')).toEqual(expect.arrayContaining(['hello-3']));
    expect(await newWorker.list('d-other')).toEqual([]);

    await newWorker.stop('hello-3', { graceMs: 5_000 });
    expect(await isRunning(running.pid)).toBe(false);
    expect(await provider.status('hello-3')).toBeNull();
    expect(await provider.list('d-test')).not.toContain('hello-3');
  });

  it('adopts a process whose starter died before recording it, instead of starting the revision twice', async () => {
    const running = await provider.start(helloSpec('hello-orphan'));
    pids.add(running.pid);
    // The crash window: the process runs, its state file was never written.
    await fs.rm(path.join(stateDir, 'hello-orphan.json'));
    const newWorker = createLocalComputeProvider({ stateDir, logger });
    expect(await newWorker.status('hello-orphan')).toBeNull();

    const again = await newWorker.start(helloSpec('hello-orphan'));
    expect({ pid: again.pid, endpoint: again.endpoint }).toEqual({ pid: running.pid, endpoint: running.endpoint });
    expect(await newWorker.status('hello-orphan')).toMatchObject({ pid: running.pid });
    await newWorker.stop('hello-orphan', { graceMs: 2_000 });
    expect(await isRunning(running.pid)).toBe(false);
  });

  it('stops gracefully, letting an in-flight request finish, and is idempotent', async () => {
    const running = await provider.start(helloSpec('hello-4'));
    pids.add(running.pid);
    await waitReady(running.endpoint.port);

    const inFlight = fetch(url(running.endpoint.port, '/slow?ms=700'));
    await new Promise((r) => setTimeout(r, 150)); // let the request reach the app
    await provider.stop('hello-4', { graceMs: 10_000 });

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('slept 700ms\n');
    expect(await isRunning(running.pid)).toBe(false);
    expect(await provider.status('hello-4')).toBeNull();
    expect(await stateKeys()).not.toContain('hello-4');
    expect((await provider.tailLogs('hello-4', 5)).some((l) => l.includes('drained; exiting'))).toBe(true);

    await expect(provider.stop('hello-4', { graceMs: 100 })).resolves.toBeUndefined();
    await expect(provider.stop('never-started', { graceMs: 100 })).resolves.toBeUndefined();
  });

  it('SIGKILLs a process that ignores SIGTERM once the grace period is over', async () => {
    const running = await provider.start({
      key: 'stubborn-1',
      deploymentId: 'd-test',
      tenantId: 't-test',
      service: 'web',
      program: { kind: 'artifact', artifactDir: fixturesDir, command: ['node', 'ignores-sigterm.js'] },
      env: {},
      portEnv: 'PORT',
    });
    pids.add(running.pid);
    await waitFor('stubborn app up', async () => (await fetch(url(running.endpoint.port, '/'))).ok);

    await provider.stop('stubborn-1', { graceMs: 300 });
    expect(await isRunning(running.pid)).toBe(false);
    expect(await provider.status('stubborn-1')).toBeNull();
    expect(await provider.tailLogs('stubborn-1', 10)).toContain('got SIGTERM, ignoring it');
  });

  it('passes only PATH, HOME, the spec env and the port variable to the app', async () => {
    process.env.SLIPWAY_TEST_LEAK = 'must-not-leak';
    try {
      const running = await provider.start({
        key: 'env-1',
        deploymentId: 'd-env',
        tenantId: 't-test',
        service: 'web',
        program: { kind: 'artifact', artifactDir: fixturesDir, command: ['node', 'prints-env.js'] },
        env: { FROM_SPEC: 'yes' },
        portEnv: 'APP_PORT',
      });
      pids.add(running.pid);
      const line = await waitFor('env keys printed', async () =>
        (await provider.tailLogs('env-1', 10)).find((l) => l.startsWith('ENV_KEYS ')),
      );
      const keys: string[] = JSON.parse(line.slice('ENV_KEYS '.length));
      expect(keys).toEqual(expect.arrayContaining(['APP_PORT', 'FROM_SPEC', 'PATH']));
      expect(keys).not.toContain('SLIPWAY_TEST_LEAK');
      expect(keys.filter((k) => !['APP_PORT', 'FROM_SPEC', 'PATH', 'HOME'].includes(k))).toEqual([]);
      await provider.stop('env-1', { graceMs: 1_000 });
    } finally {
      delete process.env.SLIPWAY_TEST_LEAK;
    }
  });

  it('treats a state file whose pid now belongs to another process as stale', async () => {
    // Our own pid is alive, but with another start time it is not "the" process recorded.
    const state = {
      key: 'reused-pid',
      deploymentId: 'd-test',
      pid: process.pid,
      pgid: process.pid,
      port: 1,
      host: '127.0.0.1',
      startTime: '1',
      startedAt: new Date().toISOString(),
    };
    await fs.writeFile(path.join(stateDir, 'reused-pid.json'), JSON.stringify(state));

    expect(await provider.list('d-test')).not.toContain('reused-pid');
    await fs.writeFile(path.join(stateDir, 'reused-pid.json'), JSON.stringify(state));
    expect(await provider.status('reused-pid')).toBeNull();
    expect(await stateKeys()).not.toContain('reused-pid');
    await fs.writeFile(path.join(stateDir, 'reused-pid.json'), JSON.stringify(state));
    await provider.stop('reused-pid', { graceMs: 100 }); // must not signal the test process
    expect(await isRunning(process.pid)).toBe(true);
  });

  it('reports a revision that crashed as gone', async () => {
    const running = await provider.start(helloSpec('crashy-1', { HELLO_CRASH_AFTER_MS: '200' }));
    pids.add(running.pid);
    await waitFor('crash noticed', async () => (await provider.status('crashy-1')) === null);
    expect(await provider.list('d-test')).not.toContain('crashy-1');
    expect((await provider.tailLogs('crashy-1', 10)).some((l) => l.includes('crashing on purpose'))).toBe(true);
  });

  it('rejects a command that cannot be spawned and keys that are not file names', async () => {
    await expect(
      provider.start({ ...helloSpec('bad-cmd'), program: { kind: 'artifact', artifactDir: helloDir, command: ['./does-not-exist'] } }),
    ).rejects.toThrow(/cannot start revision bad-cmd/);
    expect(await provider.status('bad-cmd')).toBeNull();
    await expect(provider.start(helloSpec('../escape'))).rejects.toThrow(/invalid revision key/);
  });

  it('has no log lines for an unknown key and keeps only the last n lines', async () => {
    expect(await provider.tailLogs('nothing-here', 10)).toEqual([]);
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i}`);
    await fs.writeFile(path.join(stateDir, 'many.log'), lines.join('\n') + '\n');
    expect(await provider.tailLogs('many', 3)).toEqual(['line 19997', 'line 19998', 'line 19999']);
    expect(await provider.tailLogs('many', 0)).toEqual([]);
  });

  it('keeps the app running when the worker that started it is SIGKILLed', async () => {
    // `node --import tsx` (not the tsx CLI, which forks) so the pid we kill is the worker itself.
    const worker = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(FIXTURES, 'start-then-wait.ts'), stateDir, helloDir, 'survivor-1'],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    worker.stdout!.on('data', (chunk) => (out += chunk));
    const line = await waitFor('worker started the app', async () => out.split('\n').find((l) => l.startsWith('STARTED ')), 30_000);
    const started = JSON.parse(line.slice('STARTED '.length));
    pids.add(started.pid);

    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGKILL');
    await exited;

    const adopted = await provider.status('survivor-1');
    expect(adopted).toEqual(started);
    await waitReady(started.endpoint.port);
    const body = (await (await fetch(url(started.endpoint.port, '/'))).json()) as { greeting: string };
    expect(body.greeting).toBe('survivor');

    await provider.stop('survivor-1', { graceMs: 5_000 });
    expect(await isRunning(started.pid)).toBe(false);
  });
});
