import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * CPU time a process and its direct children (nginx's or HAProxy's master and workers)
 * have used, from /proc. Divided by the requests of a run it gives CPU per request, which
 * a loaded machine changes far less than requests per second: a starved proxy waits
 * longer, it does not do more work per request.
 */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** The process alone: for the bench process itself, whose children are wrk, hello-app and the other proxies. */
export function ownCpuMs(pid: number): number {
  try {
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0; // gone since the last look
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function processTreeCpuMs(pid: number): number {
  return ownCpuMs(pid) + children(pid).reduce((sum, child) => sum + ownCpuMs(child), 0);
}
