import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_FAILURES } from '../domain/failures';

/**
 * Named profiles, one per kind of call. Transient faults (database restart, router
 * briefly down, a worker killed mid-activity) retry with backoff; failures in
 * NON_RETRYABLE_FAILURES stop at once.
 */
const retry = {
  initialInterval: '500ms',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 20,
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
};

/**
 * Database writes and router calls: each takes well under a second, so a worker that dies
 * in one is noticed (and the call retried elsewhere) after 20 s. Not shorter: on a starved
 * machine (load 30 on 2 cores) 10 s timed out live calls and the retries sank throughput
 * to a third (BENCHMARKS.md); the window in which a worker can die inside one is tiny, and
 * everything that can run long heartbeats instead (below).
 */
export const short: ActivityOptions = { startToCloseTimeout: '20s', retry };

/**
 * Long activities heartbeat at least once a second (readiness probes, drain polls, stop
 * grace) and the worker passes each on within a second (src/worker.ts), so a worker killed
 * in one is noticed after this and the activity resumes on another worker from its
 * heartbeat details.
 */
const heartbeatTimeout = '6s';

/**
 * Long waits that heartbeat (readiness, drains): a dead worker is noticed within the
 * heartbeat timeout and the wait resumes on another one. The activity enforces the
 * operation's own deadline.
 */
export const longWait: ActivityOptions = { startToCloseTimeout: '70m', heartbeatTimeout, retry };

/**
 * Local activities for quick database/router steps on the critical path of a switch
 * (claiming the operation, claiming warm revisions, switching traffic, recording the
 * outcome): they run in the worker that runs the workflow, without a task-queue round
 * trip (about 100 ms each on the dev server here). A worker that dies mid-step fails its
 * workflow task, and the next worker replays and repeats the step; they are idempotent.
 * That takeover goes by the workflow task's own timeout, not this one, so this one can stay
 * generous for a busy machine.
 */
export const fastLocal: LocalActivityOptions = { startToCloseTimeout: '20s', retry };

/** Starting a revision heartbeats throughout (a slow launch is not a dead worker). */
export const startCompute: ActivityOptions = { startToCloseTimeout: '5m', heartbeatTimeout, retry };

/** Stopping processes may wait out a grace period before SIGKILL; heartbeats meanwhile. */
export const stopCompute: ActivityOptions = { startToCloseTimeout: '5m', heartbeatTimeout, retry };
