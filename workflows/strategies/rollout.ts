import { ApplicationFailure } from '@temporalio/workflow';
import type { DeploymentContext } from '../../contract/deploymentContext';
import { FailureType } from '../../domain/failures';
import type { OperationInput } from '../../contract/operation';
import { STRATEGIES } from '../../domain/operations';
import { blueGreen } from './blueGreen';
import { canary } from './canary';
import { previewThenSwitch } from './preview';
import { recreate } from './recreate';
import { rolling } from './rolling';

/**
 * Runs the operation's strategy. The switch is exhaustive: a new strategy that is not
 * wired here breaks the build, and a value no strategy matches (a row edited by hand, a
 * strategy removed since) fails the operation by name instead of running as another one.
 */
export async function rollout(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  // A preview ends in an instant switch whatever the deployment's strategy: the whole point
  // is that the version people checked is the one that takes all traffic at once.
  if (ctx.preview) return previewThenSwitch(ctx, op, ctx.preview);
  const strategy = ctx.strategy;
  switch (strategy) {
    case 'blue_green':
      return blueGreen(ctx, op);
    case 'recreate':
      return recreate(ctx, op);
    case 'rolling':
      return rolling(ctx, op);
    case 'canary':
      // Nothing serves yet (a first deploy): there is no stable revision to judge the canary against.
      return ctx.servingVersion ? canary(ctx, op) : blueGreen(ctx, op);
    default: {
      const unknown: never = strategy;
      throw ApplicationFailure.create({
        type: FailureType.UnknownStrategy,
        message: `unknown strategy ${JSON.stringify(unknown)}; expected one of ${STRATEGIES.join(', ')}`,
        nonRetryable: true,
      });
    }
  }
}
