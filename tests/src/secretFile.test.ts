import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureSecretFile } from '../../src/secretFile';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-secret-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('makes a 0600 file of random base64url at first call and returns the same value after', async () => {
  const file = path.join(dir, 'router', 'admin-secret');
  const first = await ensureSecretFile(file);
  expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  expect(await ensureSecretFile(file)).toBe(first);
  expect(await fs.readdir(path.dirname(file))).toEqual(['admin-secret']);
});

test('callers racing at first start all get the one value that was written', async () => {
  const file = path.join(dir, 'secret');
  const values = await Promise.all(Array.from({ length: 20 }, () => ensureSecretFile(file)));
  expect(new Set(values).size).toBe(1);
  expect((await fs.readFile(file, 'utf8')).trim()).toBe(values[0]);
});

test('a file someone made world-readable is tightened back to 0600', async () => {
  const file = path.join(dir, 'secret');
  await fs.writeFile(file, 'kept-value\n', { mode: 0o644 });
  await fs.chmod(file, 0o644);
  expect(await ensureSecretFile(file)).toBe('kept-value');
  expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
});
