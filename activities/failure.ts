import { ApplicationFailure } from '@temporalio/activity';
import type { FailureType } from '../domain/failures';

/** Bad input or a broken release: retrying cannot help, so say so to Temporal. */
export function nonRetryable(type: FailureType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}
