import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';

export interface FailureDetails {
  errorType: string;
  errorMessage: string;
  cancelled: boolean;
}

/** Reads the stable failure type and message out of whatever an activity threw. */
export function failureDetails(err: unknown): FailureDetails {
  if (isCancellation(err)) return { errorType: 'Cancelled', errorMessage: 'the operation was cancelled', cancelled: true };
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return { errorType: cause.type ?? 'Error', errorMessage: cause.message, cancelled: false };
  }
  if (cause instanceof Error) return { errorType: cause.name, errorMessage: cause.message, cancelled: false };
  return { errorType: 'Error', errorMessage: String(cause), cancelled: false };
}
