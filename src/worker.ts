import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Prebuilt bundle (tests bundle once per run); without it the worker bundles workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export function workflowsPath(): string {
  return require.resolve('../workflows');
}

export async function createSlipwayWorker(s: WorkerSetup): Promise<Worker> {
  return Worker.create({
    connection: s.connection,
    namespace: s.namespace,
    taskQueue: s.taskQueue,
    activities: createActivities(s.deps),
    ...(s.workflowBundle ? { workflowBundle: s.workflowBundle } : { workflowsPath: workflowsPath() }),
    // Give in-flight activities time to finish on SIGTERM; the rest are retried elsewhere.
    shutdownGraceTime: '10s',
  });
}
