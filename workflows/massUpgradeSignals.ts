import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { MassUpgradeProgress } from '../domain/massUpgrade/progress';

/** What a per-deployment child tells its rollout when it ends. */
export interface ItemOutcome {
  deploymentId: string;
  operationId: string;
  status: 'succeeded' | 'failed';
  errorType?: string;
  message?: string;
}

export const itemDoneSignal = defineSignal<[ItemOutcome]>('massUpgradeItemDone');
/** No new upgrades start until resumed; running ones finish. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** No new upgrades start; running ones finish; then the rollout ends as cancelled. */
export const cancelSignal = defineSignal<[{ reason?: string }?]>('cancel');
export const progressQuery = defineQuery<MassUpgradeProgress>('progress');
