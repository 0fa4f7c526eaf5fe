import { promises as fs } from 'node:fs';

/**
 * What the kernel says about a pid, from /proc/<pid>/stat. Linux only; elsewhere we fall
 * back to `kill(pid, 0)` and lose the pid-reuse and zombie guards.
 */
export interface ProcStat {
  /** R, S, D, Z (zombie), X (dead), … */
  state: string;
  pgrp: number;
  /** Field 22: clock ticks after boot. With the pid it names one process for all time. */
  startTime: string;
}

export async function readProcStat(pid: number): Promise<ProcStat | null> {
  let text: string;
  try {
    text = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Field 2 (comm) is in parentheses and may itself hold spaces or ')': split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field N sits at rest[N - 3].
  return { state: rest[0], pgrp: Number(rest[5 - 3]), startTime: rest[22 - 3] };
}

export function hasProcFs(): Promise<boolean> {
  return fs.stat('/proc/self/stat').then(
    () => true,
    () => false,
  );
}

/** The kernel's start time of a pid, or null when it cannot be read (gone, or no /proc). */
export async function processStartTime(pid: number): Promise<string | null> {
  return (await readProcStat(pid))?.startTime ?? null;
}

/**
 * true when `pid` still runs and is the very process we started (same start time), not
 * a zombie waiting to be reaped and not a stranger that inherited a recycled pid.
 */
export async function isOurProcessAlive(pid: number, startTime: string | null): Promise<boolean> {
  const stat = await readProcStat(pid);
  if (stat) return stat.state !== 'Z' && stat.state !== 'X' && (startTime === null || stat.startTime === startTime);
  if (await hasProcFs()) return false;
  return pidExists(pid);
}

/** Whether any process has this pid (signal 0 probes without signalling); EPERM means it exists, owned by someone else. */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends a signal to a whole process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
