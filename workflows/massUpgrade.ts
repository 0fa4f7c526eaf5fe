import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  ParentClosePolicy,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { PreparedItem } from '../activities/massUpgrade';
import type { MassUpgradeOptions } from '../domain/massUpgrade/options';
import type { MassUpgradeProgress } from '../domain/massUpgrade/progress';
import { available, bucketCapacity, msUntilToken, take } from '../domain/massUpgrade/rateLimiter';
import { deploymentWorkflowId } from '../domain/operations';
import { acts } from './activities';
import { massUpgradeItemWorkflow } from './massUpgradeItem';
import { cancelSignal, itemDoneSignal, pauseSignal, progressQuery, resumeSignal } from './massUpgradeSignals';
import { initialData, Rollout, type ItemKind, type QueuedItem, type RolloutData } from './massUpgradeState';

export interface MassUpgradeInput {
  massUpgradeId: string;
  targetVersion: string;
  options: MassUpgradeOptions;
  /** Set by continue-as-new: where the previous run left off. */
  state?: RolloutData;
}

/** Ids fetched per loadWavePage call, and upgrades prepared per prepareItems call. */
const PAGE = 100;
const BATCH = 50;
/** Progress snapshots to Postgres at most this often (and at every change of status). */
const PERSIST_EVERY_MS = 2_000;
/** A completion signal that never came (a child terminated by hand) is noticed from the operation row. */
const RECONCILE_EVERY_MS = 30_000;

/**
 * WorkflowExecutionAlreadyStartedError (from @temporalio/common, which @temporalio/workflow
 * does not re-export) names itself on its prototype; matching the name keeps this file's
 * imports to @temporalio/workflow.
 */
const isAlreadyStarted = (err: unknown): boolean => err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError';

/**
 * A fleet rollout: waves (a canary cohort first), a sliding window of at most maxConcurrency
 * upgrades, a token-bucket rate limit, a failure budget that halts it, pause/resume/cancel
 * by signal and progress by query. Each upgrade runs as a child under the deployment's own
 * workflow id; a deployment busy with another operation is tried again later. Children are
 * abandoned on close, so a cancel stops new starts but lets running upgrades finish.
 */
export async function massUpgradeWorkflow(input: MassUpgradeInput): Promise<MassUpgradeProgress> {
  const o = input.options;
  const capacity = bucketCapacity(o.ratePerMinute, o.maxConcurrency);
  const data =
    input.state ?? initialData((await acts.planMassUpgrade({ massUpgradeId: input.massUpgradeId })).waveSizes, Date.now(), capacity);
  const r = new Rollout(input.massUpgradeId, input.targetVersion, o, data);
  const me = workflowInfo().workflowId;
  let startedThisRun = 0;
  let lastPersist = 0;
  let persistedStatus = '';
  let lastReconcile = Date.now();
  let waveCursor: { wave: number; offset: number; ids: string[] } | null = null;

  setHandler(itemDoneSignal, (outcome) => r.itemDone(outcome));
  setHandler(pauseSignal, () => r.pause());
  setHandler(resumeSignal, () => r.resume());
  setHandler(cancelSignal, () => r.cancel());
  setHandler(progressQuery, () => r.progress(Date.now()));

  const persist = async (force = false) => {
    const status = r.currentStatus();
    if (!force && status === persistedStatus && Date.now() - lastPersist < PERSIST_EVERY_MS) return;
    lastPersist = Date.now();
    persistedStatus = status;
    await acts.recordMassUpgrade({
      massUpgradeId: r.id,
      status,
      progress: r.progress(Date.now()),
      haltReason: data.haltReason,
      finished: data.phase === 'done',
    });
  };

  /** Waits for any event (an outcome, a signal) or `ms`; reconciles in-flight items now and then. */
  const waitForEvent = async (ms: number) => {
    const seen = r.events;
    const untilReconcile = Math.max(1, lastReconcile + RECONCILE_EVERY_MS - Date.now());
    await condition(() => r.events !== seen, Math.max(1, Math.min(ms, untilReconcile)));
    if (Date.now() - lastReconcile >= RECONCILE_EVERY_MS) {
      lastReconcile = Date.now();
      const ids = Object.entries(data.inFlight).map(([deploymentId, f]) => ({ deploymentId, ...f }));
      const ended = await acts.checkOperations({ operationIds: ids.map((i) => i.operationId) });
      for (const e of ended) {
        const item = ids.find((i) => i.operationId === e.operationId)!;
        r.itemDone({
          deploymentId: item.deploymentId,
          operationId: e.operationId,
          status: e.status === 'succeeded' ? 'succeeded' : 'failed',
          errorType: e.errorType ?? undefined,
          message: e.errorMessage ?? undefined,
        });
      }
    }
  };

  const maybeContinueAsNew = async () => {
    if (!workflowInfo().continueAsNewSuggested && startedThisRun < o.itemsPerRun) return;
    await condition(allHandlersFinished);
    await persist(true);
    await continueAsNew<typeof massUpgradeWorkflow>({ ...input, state: data });
  };

  /** Starts one child per prepared item; a taken workflow id means busy, not failed. */
  const startItems = async (prepared: PreparedItem[], queued: Map<string, QueuedItem>, kind: ItemKind) => {
    await Promise.all(
      prepared.map(async (p) => {
        if (!p.operationId) return kind === 'upgrade' ? r.skipped() : undefined;
        const busyBefore = queued.get(p.deploymentId)?.busy ?? 0;
        r.starting(p.deploymentId, p.operationId, kind, p.attempt);
        startedThisRun += 1;
        try {
          await startChild(massUpgradeItemWorkflow, {
            workflowId: deploymentWorkflowId(p.deploymentId),
            args: [
              { operationId: p.operationId, deploymentId: p.deploymentId, kind: p.kind ?? 'upgrade' },
              { parentWorkflowId: me, massUpgradeId: r.id },
            ],
            memo: { operationId: p.operationId },
            parentClosePolicy: ParentClosePolicy.ABANDON,
          });
        } catch (err) {
          if (!isAlreadyStarted(err)) throw err;
          await acts.releaseItem({ operationId: p.operationId });
          r.busy({ deploymentId: p.deploymentId, attempt: p.attempt, kind, busy: busyBefore }, Date.now());
        }
      }),
    );
  };

  const nextWaveIds = async (n: number): Promise<{ deploymentId: string; attempt: number }[]> => {
    if (
      !waveCursor ||
      waveCursor.wave !== data.wave ||
      data.offset < waveCursor.offset ||
      data.offset >= waveCursor.offset + waveCursor.ids.length
    ) {
      waveCursor = {
        wave: data.wave,
        offset: data.offset,
        ids: await acts.loadWavePage({ massUpgradeId: r.id, wave: data.wave, offset: data.offset, limit: PAGE }),
      };
    }
    const from = data.offset - waveCursor.offset;
    const ids = waveCursor.ids.slice(from, from + Math.min(n, data.waveSizes[data.wave] - data.offset));
    if (ids.length === 0) {
      // The stored plan is shorter than planned (edited by hand): end the wave rather than spin.
      data.offset = data.waveSizes[data.wave];
      waveCursor = null;
    }
    data.offset += ids.length;
    return ids.map((deploymentId) => ({ deploymentId, attempt: 1 }));
  };

  const upgradeLoop = async () => {
    while (data.phase === 'upgrading') {
      await maybeContinueAsNew();
      await persist();
      if (r.stopped) {
        data.phase = 'draining';
        break;
      }
      if (data.paused) {
        await waitForEvent(RECONCILE_EVERY_MS);
        continue;
      }
      if (r.waveFinished()) {
        if (data.wave + 1 >= data.waveSizes.length) {
          data.phase = 'draining';
          break;
        }
        data.wave += 1;
        data.offset = 0;
        if (o.bakeSeconds > 0) {
          data.nextWaveAtMs = Date.now() + o.bakeSeconds * 1000;
          await persist(true);
          while (!r.stopped && Date.now() < data.nextWaveAtMs) await waitForEvent(data.nextWaveAtMs - Date.now());
          data.nextWaveAtMs = null;
        }
        if (o.pauseBetweenWaves) r.pause();
        continue;
      }
      const now = Date.now();
      const due = r.dueRetries(now, 'upgrade');
      const free = o.maxConcurrency - r.inFlightCount;
      const startable = due.length + (r.waveHasMore() ? data.waveSizes[data.wave] - data.offset : 0);
      if (free <= 0 || startable === 0) {
        const nextRetry = r.nextRetryAtMs();
        await waitForEvent(nextRetry !== null ? Math.max(1, nextRetry - now) : RECONCILE_EVERY_MS);
        continue;
      }
      const tokens = available(data.bucket, now, o.ratePerMinute, capacity);
      if (tokens < 1) {
        await waitForEvent(msUntilToken(data.bucket, now, o.ratePerMinute, capacity));
        continue;
      }
      const n = Math.min(free, tokens, startable, BATCH);
      const retries = due.slice(0, n);
      r.takeRetries(retries);
      const fresh = retries.length < n ? await nextWaveIds(n - retries.length) : [];
      const batch = [...retries.map((q) => ({ deploymentId: q.deploymentId, attempt: q.attempt })), ...fresh];
      data.bucket = take(data.bucket, now, o.ratePerMinute, capacity, batch.length);
      const prepared = await acts.prepareItems({ massUpgradeId: r.id, items: batch });
      await startItems(prepared, new Map(retries.map((q) => [q.deploymentId, q])), 'upgrade');
    }
  };

  /** No new upgrades: wait for the running ones to report. */
  const drainLoop = async () => {
    while (r.inFlightCount > 0) {
      await maybeContinueAsNew();
      await persist();
      await waitForEvent(RECONCILE_EVERY_MS);
    }
    // Busy deployments that never got their turn stay as they were: nothing started on them.
    data.retry = data.retry.filter((q) => q.kind !== 'upgrade');
    data.phase = data.haltReason && o.rollbackFailed && !data.cancelRequested ? 'rolling_back' : 'done';
  };

  /** After a halt: each failed deployment back to what it served before, in the same window. */
  const rollbackLoop = async () => {
    while (data.rollbackOffset < data.failedIds.length || r.inFlightCount > 0 || data.retry.length > 0) {
      await maybeContinueAsNew();
      await persist();
      const now = Date.now();
      const due = r.dueRetries(now, 'rollback');
      const free = o.maxConcurrency - r.inFlightCount;
      if (free <= 0 || (due.length === 0 && data.rollbackOffset >= data.failedIds.length)) {
        const nextRetry = r.nextRetryAtMs();
        await waitForEvent(nextRetry !== null ? Math.max(1, nextRetry - now) : RECONCILE_EVERY_MS);
        continue;
      }
      const retries = due.slice(0, free);
      r.takeRetries(retries);
      const fresh = data.failedIds
        .slice(data.rollbackOffset, data.rollbackOffset + Math.min(BATCH, free - retries.length))
        .map((deploymentId) => ({ deploymentId, attempt: 1 }));
      data.rollbackOffset += fresh.length;
      const items = [...retries.map((q) => ({ deploymentId: q.deploymentId, attempt: q.attempt })), ...fresh];
      const prepared = await Promise.all(items.map((i) => acts.prepareRollback({ massUpgradeId: r.id, ...i })));
      await startItems(
        prepared.map((p) => (p.skipped ? { ...p, operationId: undefined } : p)),
        new Map(retries.map((q) => [q.deploymentId, q])),
        'rollback',
      );
    }
    data.phase = 'done';
  };

  try {
    if (data.phase === 'upgrading') await upgradeLoop();
    if (data.phase === 'draining') await drainLoop();
    if (data.phase === 'rolling_back') await rollbackLoop();
    data.phase = 'done';
    await persist(true);
    return r.progress(Date.now());
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelled through Temporal rather than by signal: record it; running children go on.
      data.cancelRequested = true;
      data.phase = 'done';
      await CancellationScope.nonCancellable(() => persist(true));
    }
    throw err;
  }
}
