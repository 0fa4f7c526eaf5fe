import type { ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_FAILURES } from '../domain/failures';

/**
 * Named profiles, one per kind of call. Transient faults (database restart, router
 * briefly down) retry with backoff; failures in NON_RETRYABLE_FAILURES stop at once.
 */
const retry = {
  initialInterval: '500ms',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 20,
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
};

/** Database writes, router calls, process starts: each well under a minute. */
export const short: ActivityOptions = { startToCloseTimeout: '60s', retry };

/**
 * Long waits that heartbeat: a dead worker is noticed within the heartbeat timeout and
 * the wait resumes on another one. The activity enforces the operation's own deadline.
 */
export const readinessWait: ActivityOptions = {
  startToCloseTimeout: '70m',
  heartbeatTimeout: '15s',
  retry,
};

/** Stopping processes may wait out a grace period before SIGKILL. */
export const stopCompute: ActivityOptions = { startToCloseTimeout: '2m', heartbeatTimeout: '30s', retry };
