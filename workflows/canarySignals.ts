import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Manual control of a running canary, sent by the API to the deployment's workflow. */
export const promoteCanarySignal = defineSignal<[{ actor: string }]>('promoteCanary');
export const abortCanarySignal = defineSignal<[{ actor: string }]>('abortCanary');

export interface CanaryState {
  step: number;
  percent: number;
  lastVerdict: string | null;
}
export const canaryStateQuery = defineQuery<CanaryState | null>('canaryState');
