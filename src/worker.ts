import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { rolloutTaskQueue } from '../contract/taskQueues';

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Prebuilt bundle (tests bundle once per run); without it the worker bundles workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Instead of createActivities(deps): the fleet bench wraps each one to time it. */
  activities?: WorkerOptions['activities'];
  maxConcurrentActivityTaskExecutions?: number;
}

/** The workers of one worker process: the main task queue, and the rollouts' own (see rolloutTaskQueue). */
export interface SlipwayWorker {
  readonly taskQueue: string;
  run(): Promise<void>;
  shutdown(): void;
}

export function workflowsPath(): string {
  return require.resolve('../workflows');
}

/**
 * A worker that dies holding a workflow's cached state sends that workflow's next task to
 * its own sticky queue; the server gives up on it after this long and hands the task to any
 * other worker (the SDK's default is 10 s, which the survivor of a SIGKILL would wait out).
 * Not shorter: a live but busy worker that misses it replays the whole history elsewhere.
 */
const STICKY_TIMEOUT = '5s';
/**
 * Long activities heartbeat about once a second; passed on at most this often (the SDK
 * otherwise waits 80 % of the heartbeat timeout), the server hears from a live worker
 * well within the 6 s heartbeat timeout even when the machine is busy.
 */
const HEARTBEAT_THROTTLE = '1s';

export async function createSlipwayWorker(s: WorkerSetup): Promise<SlipwayWorker> {
  const activities = s.activities ?? createActivities(s.deps);
  // Bundled once for both workers.
  const workflowBundle = s.workflowBundle ?? (await bundleWorkflowCode({ workflowsPath: workflowsPath() }));
  const common = {
    connection: s.connection,
    namespace: s.namespace,
    activities,
    workflowBundle,
    stickyQueueScheduleToStartTimeout: STICKY_TIMEOUT,
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    // Give in-flight activities time to finish on SIGTERM; the rest are retried elsewhere.
    shutdownGraceTime: '10s',
  } satisfies Partial<WorkerOptions>;
  const main = await Worker.create({
    ...common,
    taskQueue: s.taskQueue,
    ...(s.maxConcurrentActivityTaskExecutions ? { maxConcurrentActivityTaskExecutions: s.maxConcurrentActivityTaskExecutions } : {}),
  });
  // Rollouts run their bookkeeping as local activities only: this worker needs the
  // activities but never polls for remote ones (rollouts from before the split, which still
  // schedule remote activities, run on the main queue).
  const rollouts = await Worker.create({ ...common, taskQueue: rolloutTaskQueue(s.taskQueue), enableNonLocalActivities: false });
  return {
    taskQueue: s.taskQueue,
    run: async () => {
      await Promise.all([main.run(), rollouts.run()]);
    },
    shutdown: () => {
      main.shutdown();
      rollouts.shutdown();
    },
  };
}
