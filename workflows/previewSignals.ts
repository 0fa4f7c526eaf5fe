import { defineSignal } from '@temporalio/workflow';

/** A person's decision on a preview awaiting promotion, sent by the API to the deployment's workflow. */
export const promotePreviewSignal = defineSignal<[{ actor: string }]>('promotePreview');
export const abortPreviewSignal = defineSignal<[{ actor: string }]>('abortPreview');
