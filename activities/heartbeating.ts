import { Context } from '@temporalio/activity';

/** Often enough for the 6 s heartbeat timeout of workflows/activityOptions.ts, with room for a busy event loop. */
const EVERY_MS = 1000;

/**
 * Runs `work` and heartbeats meanwhile, so a worker that dies in the middle of it is noticed
 * within the heartbeat timeout rather than the start-to-close one. Outside an activity (a
 * boot-time repair) it just runs `work`.
 */
export async function whileHeartbeating<T>(work: () => Promise<T>, details?: unknown): Promise<T> {
  const beat = setInterval(() => {
    try {
      Context.current().heartbeat(details);
    } catch {
      /* not inside an activity */
    }
  }, EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}
