import { ParentClosePolicy, sleep, startChild } from '@temporalio/workflow';
import { stops } from './activities';

export interface RetireInput {
  key: string;
  /** The operation that made the revision warm; a later one's timer owns it after that. */
  token: string;
  afterSeconds: number;
}

/**
 * The rollback window: a durable timer, then the warm revision stops unless a rollback
 * took it back. A workflow of its own (not part of the operation), so the deployment is
 * free for new operations while the window runs.
 */
export async function retireRevisionWorkflow(input: RetireInput): Promise<boolean> {
  await sleep(input.afterSeconds * 1000);
  return stops.retireRevision({ key: input.key, token: input.token });
}

export async function scheduleRetirement(keys: string[], token: string, afterSeconds: number): Promise<void> {
  for (const key of keys) {
    await startChild(retireRevisionWorkflow, {
      workflowId: `retire-${key}-${token}`,
      args: [{ key, token, afterSeconds }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  }
}
