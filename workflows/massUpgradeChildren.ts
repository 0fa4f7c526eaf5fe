import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import type { PreparedItem } from '../activities/massUpgrade';
import { deploymentWorkflowId } from '../domain/operations';
import type { acts } from './activities';
import { massUpgradeItemWorkflow } from './massUpgradeItem';
import type { ItemKind, QueuedItem, Rollout } from './massUpgradeState';

/**
 * WorkflowExecutionAlreadyStartedError (from @temporalio/common, which @temporalio/workflow
 * does not re-export) names itself on its prototype; matching the name keeps this file's
 * imports to @temporalio/workflow.
 */
export const isAlreadyStarted = (err: unknown): boolean => err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError';

export interface ChildLink {
  parentWorkflowId: string;
  /** The main task queue: the rollout's own serves only rollouts. */
  taskQueue: string;
  /** Activity stubs for the rollout's bookkeeping (local or not, see massUpgrade.ts). */
  book: Pick<typeof acts, 'releaseItem'>;
}

/**
 * Starts one child per prepared item under the deployment's own workflow id, abandoned on
 * close; a taken workflow id means busy (tried again later), not failed. Returns how many
 * starts were tried, which bounds a run's history.
 */
export async function startItems(
  r: Rollout,
  prepared: PreparedItem[],
  retries: QueuedItem[],
  kind: ItemKind,
  link: ChildLink,
): Promise<number> {
  const queued = new Map(retries.map((q) => [q.deploymentId, q]));
  let tried = 0;
  await Promise.all(
    prepared.map(async (p) => {
      if (!p.operationId) return kind === 'upgrade' ? r.skipped() : undefined;
      const busyBefore = queued.get(p.deploymentId)?.busy ?? 0;
      r.starting(p.deploymentId, p.operationId, kind, p.attempt);
      tried += 1;
      try {
        await startChild(massUpgradeItemWorkflow, {
          workflowId: deploymentWorkflowId(p.deploymentId),
          args: [
            { operationId: p.operationId, deploymentId: p.deploymentId, kind: p.kind ?? 'upgrade' },
            { parentWorkflowId: link.parentWorkflowId, massUpgradeId: r.id },
          ],
          taskQueue: link.taskQueue,
          memo: { operationId: p.operationId },
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
      } catch (err) {
        if (!isAlreadyStarted(err)) throw err;
        await link.book.releaseItem({ operationId: p.operationId });
        r.busy({ deploymentId: p.deploymentId, attempt: p.attempt, kind, busy: busyBefore }, Date.now());
      }
    }),
  );
  return tried;
}
