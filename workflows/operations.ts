import type { OperationInput } from '../domain/operations';
import { phasesFor } from './lifecyclePhases';
import { runOperation } from './runOperation';

/**
 * One exported workflow per operation kind, so Temporal's UI and `temporal workflow list`
 * name what runs. All run under the deployment's workflow id (one at a time).
 */
const operation = (input: OperationInput) => runOperation(input, (ctx) => phasesFor(ctx, input));

/** First deploy of a new deployment. */
export const deployWorkflow = operation;
/** To a target release with the deployment's (or the operation's) strategy; lifts a suspension. */
export const upgradeWorkflow = operation;
/** Same release, new config revision (env change) or a plain restart, with zero downtime. */
export const restartWorkflow = operation;
/** Start compute again with the same release and env. */
export const resumeWorkflow = operation;
/** Back to previous_version. */
export const rollbackWorkflow = operation;
export const suspendWorkflow = operation;
export const teardownWorkflow = operation;
/** Re-runs the failed operation's phases with its inputs, revision keys and generated secrets. */
export const retryWorkflow = operation;
