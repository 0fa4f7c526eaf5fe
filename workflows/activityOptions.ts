import type { ActivityOptions } from '@temporalio/workflow';
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
 * Database writes, router calls, process starts: each takes well under a second, so a
 * worker that dies in one is noticed (and the call retried elsewhere) after 20 s.
 */
export const short: ActivityOptions = { startToCloseTimeout: '20s', retry };

/**
 * Long waits that heartbeat (readiness, drains): a dead worker is noticed within the
 * heartbeat timeout and the wait resumes on another one. The activity enforces the
 * operation's own deadline.
 */
export const longWait: ActivityOptions = { startToCloseTimeout: '70m', heartbeatTimeout: '15s', retry };

/** Stopping processes may wait out a grace period before SIGKILL; heartbeats meanwhile. */
export const stopCompute: ActivityOptions = { startToCloseTimeout: '5m', heartbeatTimeout: '15s', retry };
