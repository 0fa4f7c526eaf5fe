import { appendOperationLog, setOperationPhase } from '../db/queries/operations';
import { updateDeployment } from '../db/queries/deployments';
import { PHASE_PROGRESS, type Phase } from '../domain/operations';
import { emitOperationEvent } from '../notifications/emit';
import type { ActivityDeps } from './deps';

export type PhaseLogger = (step: string, message: string, level?: 'info' | 'warn' | 'error') => Promise<void>;

/**
 * Each phase logs under stable step labels; the (operation, phase, step) key makes a
 * retried activity's lines appear once.
 */
export function phaseLog(deps: ActivityDeps, operationId: string, phase: Phase): PhaseLogger {
  return async (step, message, level = 'info') => {
    await appendOperationLog(deps.db, { operationId, phase, step, level, message });
    deps.logger[level]({ operationId, phase, step }, message);
  };
}

export async function enterPhase(deps: ActivityDeps, operationId: string, phase: Phase): Promise<void> {
  await setOperationPhase(deps.db, operationId, phase);
  await emitOperationEvent(deps.db, 'operation.phase', operationId, phase);
}

export async function completePhase(deps: ActivityDeps, deploymentId: string, phase: Phase): Promise<void> {
  await updateDeployment(deps.db, deploymentId, { progress: PHASE_PROGRESS[phase] });
}
