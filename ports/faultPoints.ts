/** The points that exist, so tests and code agree on the names. */
export const FAULT_POINTS = {
  afterStartRevision: 'after-start-revision',
  duringAwaitReady: 'during-await-ready',
  afterWorkflowStart: 'after-workflow-start',
} as const;

export type FaultPointName = (typeof FAULT_POINTS)[keyof typeof FAULT_POINTS];
export const FAULT_POINT_NAMES = Object.values(FAULT_POINTS) as [FaultPointName, ...FaultPointName[]];

/**
 * Crash-test hook, injected like every other port: code calls `reached(point)` at the
 * named points, and only the implementation decides what happens there.
 */
export interface FaultPoints {
  reached(point: FaultPointName): void;
}

/** Production and in-process tests: nothing happens at any point. */
export const noFaults: FaultPoints = { reached: () => undefined };

/**
 * The process SIGKILLs itself the moment it reaches `point`: no cleanup, no flush, exactly
 * like a power cut there. tests/crash set SLIPWAY_FAULT_KILL_AT, which src/processes turns
 * into this, to prove that an operation survives a crash at that point.
 */
export function killAt(point: FaultPointName | undefined): FaultPoints {
  if (!point) return noFaults;
  return {
    reached: (name) => {
      if (name === point) process.kill(process.pid, 'SIGKILL');
    },
  };
}
