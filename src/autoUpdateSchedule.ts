import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Logger } from '../ports/logger';
import { autoUpdateWorkflow } from '../workflows/autoUpdate';

/** Per task queue: installations (and test stacks) sharing one Temporal namespace keep separate schedules. */
export const autoUpdateScheduleId = (taskQueue: string) => `slipway-auto-update-${taskQueue}`;

function scheduleOptions(taskQueue: string, everyMinutes: number): ScheduleOptions {
  return {
    scheduleId: autoUpdateScheduleId(taskQueue),
    spec: { intervals: [{ every: `${everyMinutes}m` }] },
    action: { type: 'startWorkflow', workflowType: autoUpdateWorkflow, taskQueue, workflowId: `auto-update-${taskQueue}`, args: [] },
    // A pass still running when the next is due: skip that one rather than stack passes.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
    memo: { purpose: 'Slipway auto-update: upgrades opted-in deployments behind the newest release' },
  };
}

/**
 * Creates the auto-update Schedule, or brings an existing one to the configured interval;
 * every API start calls it, so several APIs racing at start converge on the same schedule.
 */
export async function ensureAutoUpdateSchedule(client: Client, taskQueue: string, everyMinutes: number, logger: Logger): Promise<void> {
  const options = scheduleOptions(taskQueue, everyMinutes);
  try {
    await client.schedule.create(options);
    logger.info({ scheduleId: options.scheduleId, everyMinutes }, 'auto-update schedule created');
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule
      .getHandle(options.scheduleId)
      .update((prev) => ({ ...prev, spec: options.spec, action: options.action, policies: options.policies }));
  }
}
