import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readProcStat } from '../../compute/local/processInfo';
import { createRevisionStateFiles } from '../../compute/local/revisionStateFiles';

/**
 * What the kernel says runs for a deployment, independent of anything Slipway recorded:
 * every app process carries SLIPWAY_DEPLOYMENT_ID in its environment (activities/revisionEnv.ts),
 * so /proc/<pid>/environ finds them all, including ones no state file or row names any more.
 */
export interface AppProcess {
  pid: number;
  deploymentId: string;
  version: string | null;
  /** The revision key whose state file names this pid; null for an orphan nobody tracks. */
  key: string | null;
  cwd: string | null;
}

/** Live (not zombie) app processes; `deploymentId` undefined returns those of every deployment. */
export async function liveAppProcesses(opts: { deploymentId?: string; computeStateDir?: string } = {}): Promise<AppProcess[]> {
  const tracked = new Map<number, string>();
  if (opts.computeStateDir) {
    for (const s of await createRevisionStateFiles(opts.computeStateDir).readAll()) tracked.set(s.pid, s.key);
  }
  const found: AppProcess[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const env = await readEnviron(pid);
    const deploymentId = env?.get('SLIPWAY_DEPLOYMENT_ID');
    if (!deploymentId || (opts.deploymentId !== undefined && deploymentId !== opts.deploymentId)) continue;
    const stat = await readProcStat(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X') continue;
    const cwd = await fs.readlink(`/proc/${pid}/cwd`).catch(() => null);
    found.push({ pid, deploymentId, version: env!.get('SLIPWAY_RELEASE_VERSION') ?? null, key: tracked.get(pid) ?? null, cwd });
  }
  return found.sort((a, b) => a.pid - b.pid);
}

/**
 * Kills every app process that runs from an artifact under `artifactsDir` (a test stack's
 * own), tracked or not: the last line of cleanup, so no test leaves an app behind.
 */
export async function killAppProcessesUnder(artifactsDir: string): Promise<number[]> {
  const root = path.resolve(artifactsDir) + path.sep;
  const killed: number[] = [];
  for (const p of await liveAppProcesses()) {
    if (!p.cwd || !(p.cwd + path.sep).startsWith(root)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
      killed.push(p.pid);
    } catch {
      /* already gone */
    }
  }
  return killed;
}

async function readEnviron(pid: number): Promise<Map<string, string> | null> {
  let raw: string;
  try {
    raw = await fs.readFile(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return null; // gone, or not ours to read
  }
  const env = new Map<string, string>();
  for (const pair of raw.split('\0')) {
    const eq = pair.indexOf('=');
    if (eq > 0) env.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return env;
}
