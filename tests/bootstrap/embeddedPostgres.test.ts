import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const REPO = path.resolve(__dirname, '../..');

/** Runs tests/fixtures/bootstrap/runPostgres.ts and answers the URL it printed. */
async function startPostgres(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/fixtures/bootstrap/runPostgres.ts', dataDir], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const line = out.split('\n').find((l) => l.startsWith('URL '));
      if (line) {
        clearInterval(timer);
        resolve(line.slice(4));
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`postgres runner exited ${code}: ${out}`));
    });
  });
  return { url, child };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function canLogIn(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('embedded Postgres password', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-pgpw-'));
    await fs.chmod(tmp, 0o755); // the postgres user must reach the cluster
  });
  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('is generated at first start into a 0600 file, kept across restarts, and the fixed one does not work', async () => {
    const dataDir = path.join(tmp, 'postgres');
    const first = await startPostgres(dataDir);
    let password: string;
    try {
      const file = `${dataDir}.password`;
      expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
      password = (await fs.readFile(file, 'utf8')).trim();
      expect(password.length).toBeGreaterThanOrEqual(32);
      expect(decodeURIComponent(new URL(first.url).password)).toBe(password);
      expect(await canLogIn(first.url)).toBe(true);
      const fixed = new URL(first.url);
      fixed.password = 'postgres';
      expect(await canLogIn(fixed.toString())).toBe(false);
    } finally {
      await stop(first.child);
    }

    const second = await startPostgres(dataDir);
    try {
      expect(decodeURIComponent(new URL(second.url).password)).toBe(password);
      expect(await canLogIn(second.url)).toBe(true);
    } finally {
      await stop(second.child);
    }
  });
});
