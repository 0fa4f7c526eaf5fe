import type { ActivityDeps } from './deps';
import { completePhase, enterPhase, phaseLog } from './operationLog';
import { missingEnvFailure, resolveRevisionEnv } from './revisionEnv';
import type { ResolvedEnvSummary, ResolveEnvInput } from '../contract/deployPhases';

export function createResolveEnv(deps: ActivityDeps) {
  return async function resolveEnv(input: ResolveEnvInput): Promise<ResolvedEnvSummary> {
    await enterPhase(deps, input.operationId, 'resolveEnv');
    const log = phaseLog(deps, input.operationId, 'resolveEnv');
    const { plan } = await resolveRevisionEnv(deps.db, deps.secrets, input.deploymentId, input.version);
    if (plan.missing.length > 0) {
      await log('missing', `missing required env: ${plan.missing.join(', ')}`, 'error');
      throw missingEnvFailure(input.version, plan.missing);
    }
    const keys = Object.keys(plan.values).sort();
    await log('resolved', `resolved ${keys.length} variables (${plan.secretKeys.length} secret)`);
    await completePhase(deps, input.deploymentId, 'resolveEnv');
    return { keys, secretKeys: plan.secretKeys };
  };
}
