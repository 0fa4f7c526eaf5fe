/**
 * Crash-test hook. With SLIPWAY_FAULT_KILL_AT=<name> in its environment, a process kills
 * itself with SIGKILL the moment it reaches the point called <name>: no cleanup, no
 * flush, exactly like a power cut there. tests/crash uses it to prove that an operation
 * survives a crash at that point. Unset (always, in production) it does nothing.
 */
export function faultPoint(name: string): void {
  if (process.env.SLIPWAY_FAULT_KILL_AT === name) process.kill(process.pid, 'SIGKILL');
}

/** The points that exist, so tests and code agree on the names. */
export const FAULT_POINTS = {
  afterStartRevision: 'after-start-revision',
  duringAwaitReady: 'during-await-ready',
  afterWorkflowStart: 'after-workflow-start',
} as const;
