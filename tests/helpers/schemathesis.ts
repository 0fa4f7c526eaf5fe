import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Pinned, so a new schemathesis release cannot change what `npm test` checks. */
export const SCHEMATHESIS_REQUIREMENT = 'schemathesis==4.32.5';

/**
 * The `st` binary in a virtualenv under the Slipway cache, made with the ordinary pip client
 * the first time (about a minute), reused after. Throws with the reason and the fix when
 * Python or pip cannot install it: the fuzz run is part of `npm test` and must never be
 * skipped in silence.
 */
export async function ensureSchemathesis(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const cache = env.XDG_CACHE_HOME ?? path.join(env.HOME ?? os.homedir(), '.cache');
  const venv = path.join(cache, 'slipway', `schemathesis-${SCHEMATHESIS_REQUIREMENT.split('==')[1]}`);
  const st = path.join(venv, 'bin', 'st');
  if (existsSync(st)) return st;
  try {
    await run('python3', ['-m', 'venv', venv], { timeout: 120_000 });
    await run(path.join(venv, 'bin', 'pip'), ['install', '-q', '--disable-pip-version-check', SCHEMATHESIS_REQUIREMENT], {
      timeout: 600_000,
    });
  } catch (err) {
    const e = err as { message: string; stderr?: string };
    throw new Error(
      `could not install ${SCHEMATHESIS_REQUIREMENT} into ${venv}: ${e.message}\n${e.stderr ?? ''}\n` +
        'The API fuzz run needs Python 3 with venv and pip (apt-get install python3-venv python3-pip) and access to PyPI.',
      { cause: err },
    );
  }
  if (!existsSync(st)) throw new Error(`pip installed ${SCHEMATHESIS_REQUIREMENT} but ${st} is missing`);
  return st;
}
