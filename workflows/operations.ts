import { patched } from '@temporalio/workflow';
import type { OperationInput, WarmRevision } from '../contract/operation';
import { fast } from './activities';
import { phasesFor, rollbackPhases } from './lifecyclePhases';
import { runOperation } from './runOperation';

/** Patch id: a rollback claims, loads and claims its warm revisions in one local activity. */
export const ONE_STEP_ROLLBACK = 'one-step-rollback-claim';

/**
 * One exported workflow per operation kind, so Temporal's UI and `temporal workflow list`
 * name what runs. All run under the deployment's workflow id (one at a time). Each is its
 * own named function: the API starts them by reference, and Temporal takes the workflow
 * type from the function's name.
 */
const operation = (input: OperationInput) => runOperation(input, (ctx) => phasesFor(ctx, input));

/** First deploy of a new deployment. */
export function deployWorkflow(input: OperationInput): Promise<void> {
  return operation(input);
}
/** To a target release with the deployment's (or the operation's) strategy; lifts a suspension. */
export function upgradeWorkflow(input: OperationInput): Promise<void> {
  return operation(input);
}
/** Same release, new config revision (env change) or a plain restart, with zero downtime. */
export function restartWorkflow(input: OperationInput): Promise<void> {
  return operation(input);
}
/** Start compute again with the same release and env. */
export function resumeWorkflow(input: OperationInput): Promise<void> {
  return operation(input);
}
/**
 * Back to previous_version. Runs started before the patch replay with the three steps they
 * recorded; new ones reach the switch after a single local activity.
 */
export function rollbackWorkflow(input: OperationInput): Promise<void> {
  if (!patched(ONE_STEP_ROLLBACK)) return operation(input);
  let warm: WarmRevision[] = [];
  return runOperation(
    input,
    (ctx) => rollbackPhases(ctx, input, warm),
    async (runId) => {
      const claimed = await fast.claimRollback({ ...input, runId });
      warm = claimed.warm;
      return claimed.ctx;
    },
  );
}
export function suspendWorkflow(input: OperationInput): Promise<void> {
  return operation(input);
}
export function teardownWorkflow(input: OperationInput): Promise<void> {
  return operation(input);
}
/** More or fewer replicas of the serving revision; nothing running is replaced. */
export function scaleWorkflow(input: OperationInput): Promise<void> {
  return operation(input);
}
/** Ends the rollback window now: warm revisions stop. */
export function cleanupWorkflow(input: OperationInput): Promise<void> {
  return operation(input);
}
/** Re-runs the failed operation's phases with its inputs, revision keys and generated secrets. */
export function retryWorkflow(input: OperationInput): Promise<void> {
  return operation(input);
}
