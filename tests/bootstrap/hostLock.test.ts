import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireHostLock } from '../../src/bootstrap/hostLock';

/** The host-wide lock the real Kubernetes node is held under: one holder, waiters, and no lock left by a dead holder. */
const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-hostlock-'));
const lockPath = path.join(dir, 'node.lock');
const unavailable = (why: string) => new Error(`in use: ${why}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a second holder is refused at once with wait 0, and gets the lock once the first releases it', async () => {
  const first = await acquireHostLock({ path: lockPath, waitMs: 0, unavailable });
  await expect(acquireHostLock({ path: lockPath, waitMs: 0, unavailable })).rejects.toThrow(/in use: another process held/);
  await first.release();
  const second = await acquireHostLock({ path: lockPath, waitMs: 5_000, unavailable });
  await second.release();
});

test('a waiter hears that it waits, and gets the lock when the holder releases it during the wait', async () => {
  const first = await acquireHostLock({ path: lockPath, waitMs: 0, unavailable });
  let told = false;
  const waiting = acquireHostLock({ path: lockPath, waitMs: 10_000, unavailable, onWait: () => (told = true) });
  await new Promise((r) => setTimeout(r, 800));
  expect(told).toBe(true);
  await first.release();
  await (await waiting).release();
});

test('a holder killed with SIGKILL leaves no lock behind', async () => {
  // A separate process takes the lock the same way and is killed before it can release anything.
  const holder = spawn(
    process.execPath,
    [
      '--require',
      'tsx/cjs',
      '-e',
      `require(${JSON.stringify(path.resolve(__dirname, '../../src/bootstrap/hostLock.ts'))}).acquireHostLock({ path: ${JSON.stringify(lockPath)}, waitMs: 0, unavailable: (w) => new Error(w) }).then(() => { console.log('held'); setInterval(() => {}, 1000); });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`the holder exited ${String(code)} before it held the lock`)));
  });
  await expect(acquireHostLock({ path: lockPath, waitMs: 0, unavailable })).rejects.toThrow(/in use/);
  holder.kill('SIGKILL');
  const next = await acquireHostLock({ path: lockPath, waitMs: 5_000, unavailable });
  await next.release();
});
