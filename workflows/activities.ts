import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { fastLocal, longWait, short, startCompute, stopCompute } from './activityOptions';

/** Activity stubs by timeout profile; workflow files import these rather than proxying again. */
export const acts = proxyActivities<Activities>(short);
export const waits = proxyActivities<Activities>(longWait);
export const stops = proxyActivities<Activities>(stopCompute);
export const starts = proxyActivities<Activities>(startCompute);
export const fast = proxyLocalActivities<Activities>(fastLocal);
