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
  /** The rollout's clock (massUpgrade.ts), for when a busy deployment is tried again. */
  now: () => number;
}

export interface ItemStarts {
  /** Starts tried (known at once: every item is in flight before its start is sent), which bounds a run's history. */
  tried: number;
  /** Settles once every start was answered (started, or busy and queued again). */
  done: Promise<void>;
}

/**
 * Starts one child per prepared item under the deployment's own workflow id, abandoned on
 * close; a taken workflow id means busy (tried again later), not failed.
 */
export function startItems(r: Rollout, prepared: PreparedItem[], retries: QueuedItem[], kind: ItemKind, link: ChildLink): ItemStarts {
  const queued = new Map(retries.map((q) => [q.deploymentId, q]));
  let tried = 0;
  const done = Promise.all(
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
        r.busy({ deploymentId: p.deploymentId, attempt: p.attempt, kind, busy: busyBefore }, link.now());
      }
    }),
  ).then(() => undefined);
  return { tried, done };
}

/**
 * Child starts the rollout's loop does not wait for. A batch's starts are answered one by
 * one, and on a loaded server the last of 50 came 37 s after the first (BENCHMARKS.md):
 * waiting for all of them before the next step kept the window from refilling meanwhile.
 */
export class PendingStarts {
  private readonly pending = new Set<Promise<void>>();
  private failure: { err: unknown } | null = null;

  /** `wake` ends the loop's wait, so a failed start surfaces at once. */
  constructor(private readonly wake: () => void) {}

  add(done: Promise<void>): void {
    const p: Promise<void> = done
      .catch((err: unknown) => {
        this.failure ??= { err };
        this.wake();
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** A start that failed other than busy fails the rollout, as awaiting it would have. */
  check(): void {
    if (this.failure) throw this.failure.err;
  }

  /** Before continue-as-new: every start answered, so the state carried over is final. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
    this.check();
  }
}
