import type { ActivityDeps } from './deps';

/**
 * The time a workflow decides with where a decision hangs on it (a rollout's throttles and
 * deadlines, a canary step's end). A local activity's answer is recorded in the history, so a
 * replay reads the same value. Date.now() in workflow code is meant to do the same, but with
 * SDK 1.24, in the task a worker ran right after taking a workflow over from one that died
 * holding it (a sticky task that timed out unstarted), it still read the time of the task
 * before, while a replay of that history reads the task's own time: a decision made on it came
 * out differently, and the workflow could not replay past it (tests/crash/twoWorkers.test.ts).
 */
export function createReadClock(deps: ActivityDeps) {
  return async function readClock(): Promise<{ nowMs: number }> {
    return { nowMs: deps.clock.now() };
  };
}
