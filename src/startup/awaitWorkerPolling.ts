import { StartupFailure } from './startupFailure';
import { connectTemporal } from '../temporalConnection';

const POLL_MS = 500;
/** temporal.api.enums.v1 values (TaskQueueKind NORMAL, TaskQueueType WORKFLOW); @temporalio/proto is not a direct dependency. */
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

/**
 * Resolves once the worker with this pid polls its task queue for workflow tasks (the
 * SDK's default identity is `<pid>@<host>`), i.e. once its bundle is built and it takes
 * work: only then is Slipway up. The pid is asked again each round, as a crashed worker is
 * restarted under a new one.
 */
export async function awaitWorkerPolling(opts: {
  address: string;
  namespace: string;
  taskQueue: string;
  workerPid: () => number | undefined;
  timeoutMs: number;
}): Promise<void> {
  const connection = await connectTemporal({ address: opts.address });
  const deadline = Date.now() + opts.timeoutMs;
  try {
    for (;;) {
      const pid = opts.workerPid();
      if (pid !== undefined) {
        const { pollers } = await connection.workflowService.describeTaskQueue({
          namespace: opts.namespace,
          taskQueue: { name: opts.taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
          taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
        });
        if ((pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`))) return;
      }
      if (Date.now() > deadline) {
        throw new StartupFailure(
          `the worker did not start polling task queue ${opts.taskQueue} within ${Math.round(opts.timeoutMs / 1000)}s`,
          'see the worker lines above (LOG_LEVEL=debug shows more)',
        );
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    await connection.close();
  }
}
