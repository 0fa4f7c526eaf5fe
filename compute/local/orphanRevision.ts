import { promises as fs } from 'node:fs';
import { readProcStat } from './processInfo';

export interface OrphanRevision {
  pid: number;
  pgid: number;
  port: number;
  startTime: string;
}

/**
 * A live process of a revision that no state file names: a worker killed between spawning
 * it and writing its state leaves one. It is found by its stdout, which is the revision's
 * own log file (in Slipway's 0700 state folder, so no app can forge it), and by the uid it
 * runs as; its port is read back from its environment. The next start adopts it instead of
 * starting the revision twice, so start stays idempotent at every point of a crash.
 * Linux only (/proc); elsewhere nothing is found.
 */
export async function findOrphanRevision(want: { logFile: string; portEnv: string; uid: number }): Promise<OrphanRevision | null> {
  const entries = await fs.readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if ((await fs.readlink(`/proc/${pid}/fd/1`).catch(() => null)) !== want.logFile) continue;
    const stat = await readProcStat(pid);
    // The group leader is the revision; its children inherit the same stdout.
    if (!stat || stat.state === 'Z' || stat.state === 'X' || stat.pgrp !== pid) continue;
    if ((await realUid(pid)) !== want.uid) continue;
    const environ = await fs.readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    const port = Number(valueOf(environ, want.portEnv));
    if (!Number.isInteger(port) || port <= 0) continue;
    return { pid, pgid: pid, port, startTime: stat.startTime };
  }
  return null;
}

async function realUid(pid: number): Promise<number | null> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /^Uid:\s+(\d+)/m.exec(status);
  return m ? Number(m[1]) : null;
}

function valueOf(environ: string, name: string): string | undefined {
  for (const pair of environ.split('\0')) if (pair.startsWith(`${name}=`)) return pair.slice(name.length + 1);
  return undefined;
}
