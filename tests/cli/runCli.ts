import { spawn } from 'node:child_process';
import path from 'node:path';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const BIN = path.join(__dirname, '../../bin/slipway');

/**
 * Runs `node bin/slipway …` as a real child process. Asynchronous on purpose: the API
 * under test lives in this process, so a spawnSync would block it and deadlock.
 * The environment is built from scratch so a developer's SLIPWAY_* never leaks in.
 */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 90_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: path.join(__dirname, '../..'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SLIPWAY_DATA_DIR: '/nonexistent-slipway-dir', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A stack trace would show lines like "    at foo (file.ts:1:2)". */
export const STACK_LINE = /^\s+at .+\(.*:\d+:\d+\)$/m;
