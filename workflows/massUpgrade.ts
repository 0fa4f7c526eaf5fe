import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { MassUpgradeOptions } from '../domain/massUpgrade/options';
import type { MassUpgradeProgress } from '../domain/massUpgrade/progress';
import { bucketCapacity } from '../domain/massUpgrade/rateLimiter';
import { acts, fast } from './activities';
import { PendingStarts, startItems, type ItemStarts } from './massUpgradeChildren';
import { cancelSignal, itemDoneSignal, pauseSignal, progressQuery, resumeSignal } from './massUpgradeSignals';
import { initialData, Rollout, type QueuedItem, type RolloutData } from './massUpgradeState';
import { continueAsNewDue, RECONCILE_EVERY_MS } from './massUpgradeSteps';
import { WavePages } from './massUpgradeWavePages';

export interface MassUpgradeInput {
  massUpgradeId: string;
  targetVersion: string;
  options: MassUpgradeOptions;
  /**
   * Where the upgrades run: the main task queue, while the rollout polls its own
   * (contract/taskQueues.ts). Absent in rollouts started before that split: their own queue.
   */
  itemTaskQueue?: string;
  /** Set by continue-as-new: where the previous run left off. */
  state?: RolloutData;
}

/**
 * Patch id: the rollout's bookkeeping (plan, pages, item rows, progress) as local activities,
 * and continue-as-new at each new wave.
 */
const LOCAL_BOOKKEEPING = 'mass-upgrade-local-bookkeeping';

/** Patch id: the loop goes on while a batch's child starts are being answered (PendingStarts). */
const BACKGROUND_STARTS = 'mass-upgrade-background-starts';

/**
 * Patch id: the same behaviour as BACKGROUND_STARTS, decided in the run's first activation.
 * A first run asked for BACKGROUND_STARTS only after its planMassUpgrade local activity, and
 * once in CI (real server) such a history failed to replay ("patch marker … but there is no
 * corresponding change command"). During replay patched() is answered from the markers of the
 * workflow task being replayed, so a call made after an await can be answered in an earlier
 * task than the one that recorded its marker. Asked before any await, the marker is always
 * in the first task's completion, beside LOCAL_BOOKKEEPING's.
 */
const BACKGROUND_STARTS_FIRST_TASK = 'mass-upgrade-background-starts-first-task';

/**
 * Patch id: the rollout decides with the time a local activity read (activities/readClock.ts)
 * after each wait, not with Date.now(), which was stale in the first task after a takeover.
 */
const RECORDED_CLOCK = 'mass-upgrade-recorded-clock';

/** Progress snapshots to Postgres at most this often (and at every change of status). */
const PERSIST_EVERY_MS = 2_000;

/**
 * A fleet rollout: waves (a canary cohort first), a sliding window of at most maxConcurrency
 * upgrades, a token-bucket rate limit, a failure budget that halts it, pause/resume/cancel
 * by signal and progress by query. Each upgrade runs as a child under the deployment's own
 * workflow id; a deployment busy with another operation is tried again later. Children are
 * abandoned on close, so a cancel stops new starts but lets running upgrades finish.
 *
 * The rules live in Rollout (workflows/massUpgradeState.ts), whose next() says what to do;
 * this function wires signals, the query, timers, activities, children and continue-as-new.
 */
export async function massUpgradeWorkflow(input: MassUpgradeInput): Promise<MassUpgradeProgress> {
  const o = input.options;
  // Each call a task-queue round trip less; runs from before the patch replay as recorded.
  const local = patched(LOCAL_BOOKKEEPING);
  const backgroundFromStart = patched(BACKGROUND_STARTS_FIRST_TASK);
  const recordedClock = patched(RECORDED_CLOCK);
  const book = local ? fast : acts;
  let clockMs = Date.now();
  /** The time decisions are made with: the last reading, or Date.now() in runs from before the patch. */
  const now = () => (recordedClock ? clockMs : Date.now());
  const readClock = async () => {
    if (recordedClock) clockMs = (await fast.readClock()).nowMs;
  };
  await readClock();
  const data =
    input.state ??
    initialData(
      (await book.planMassUpgrade({ massUpgradeId: input.massUpgradeId })).waveSizes,
      now(),
      bucketCapacity(o.ratePerMinute, o.maxConcurrency),
    );
  const r = new Rollout(input.massUpgradeId, input.targetVersion, o, data);
  const link = { parentWorkflowId: workflowInfo().workflowId, taskQueue: input.itemTaskQueue ?? workflowInfo().taskQueue, book, now };
  const waveAtStart = local ? data.wave : null;
  let startedThisRun = 0;
  let lastPersist = 0;
  let persistedStatus = '';
  let lastReconcile = now();
  const pages = new WavePages(input.massUpgradeId, book);
  // Runs recorded before BACKGROUND_STARTS_FIRST_TASK replay their later call as recorded.
  const background = backgroundFromStart || patched(BACKGROUND_STARTS);
  const pending = new PendingStarts(() => {
    r.events += 1;
  });
  /** Runs from before the patch waited for every start of a batch; they replay that way. */
  const launch = async (s: ItemStarts) => {
    startedThisRun += s.tried;
    if (background) pending.add(s.done);
    else await s.done;
  };

  setHandler(itemDoneSignal, (outcome) => r.itemDone(outcome));
  setHandler(pauseSignal, () => r.pause());
  setHandler(resumeSignal, () => r.resume());
  setHandler(cancelSignal, () => r.cancel());
  setHandler(progressQuery, () => r.progress(Date.now()));

  /** A snapshot was skipped by the throttle: the next wait ends in time to write it. */
  let snapshotOwed = false;
  const persist = async (force = false) => {
    const status = r.currentStatus();
    if (!force && status === persistedStatus && now() - lastPersist < PERSIST_EVERY_MS) {
      snapshotOwed = true;
      return;
    }
    snapshotOwed = false;
    lastPersist = now();
    persistedStatus = status;
    await book.recordMassUpgrade({
      massUpgradeId: r.id,
      status,
      progress: r.progress(now()),
      haltReason: data.haltReason,
      finished: data.phase === 'done',
    });
  };

  /** A completion signal that never came (a child terminated by hand) is noticed from the operation row. */
  const reconcile = async () => {
    lastReconcile = now();
    const ids = Object.entries(data.inFlight).map(([deploymentId, f]) => ({ deploymentId, ...f }));
    for (const e of await book.checkOperations({ operationIds: ids.map((i) => i.operationId) })) {
      r.itemDone({
        deploymentId: ids.find((i) => i.operationId === e.operationId)!.deploymentId,
        operationId: e.operationId,
        status: e.status === 'succeeded' ? 'succeeded' : 'failed',
        errorType: e.errorType ?? undefined,
        message: e.errorMessage ?? undefined,
      });
    }
  };

  /** Waits for any event (an outcome, a signal) or `ms`; reconciles in-flight items now and then. */
  const waitForEvent = async (ms: number) => {
    const seen = r.events;
    const untilReconcile = Math.max(1, lastReconcile + RECONCILE_EVERY_MS - now());
    // The row is what the API shows (it does not query the workflow), so it must not lag by a whole wait.
    const untilSnapshot = snapshotOwed ? lastPersist + PERSIST_EVERY_MS - now() : Infinity;
    await condition(() => r.events !== seen, Math.max(1, Math.min(ms, untilReconcile, untilSnapshot)));
    // Whatever woke the loop may have come in the task that read a stale Date.now(): read again.
    await readClock();
    if (now() - lastReconcile >= RECONCILE_EVERY_MS) await reconcile();
  };

  const maybeContinueAsNew = async () => {
    const due = continueAsNewDue(data, {
      waveAtStart,
      startedThisRun,
      itemsPerRun: o.itemsPerRun,
      suggested: workflowInfo().continueAsNewSuggested,
    });
    if (!due) return;
    await pending.settled();
    await condition(allHandlersFinished);
    await persist(true);
    await continueAsNew<typeof massUpgradeWorkflow>({ ...input, state: data });
  };

  const again = (q: QueuedItem) => ({ deploymentId: q.deploymentId, attempt: q.attempt });
  const first = (deploymentId: string) => ({ deploymentId, attempt: 1 });

  try {
    for (;;) {
      pending.check();
      await maybeContinueAsNew();
      const at = now();
      const step = r.next(at);
      // After next(): a status it changed (baking, draining…) reaches the row before any wait.
      await persist(step.type === 'finish');
      switch (step.type) {
        case 'wait':
          await waitForEvent(step.ms);
          break;
        case 'startUpgrades': {
          const fresh = step.fresh ? await pages.ids(step.fresh) : [];
          if (step.fresh) r.tookFresh(fresh);
          const batch = [...step.retries.map(again), ...fresh.map(first)];
          r.took(batch.length, at);
          const prepared = await book.prepareItems({ massUpgradeId: r.id, items: batch });
          await launch(startItems(r, prepared, step.retries, 'upgrade', link));
          break;
        }
        case 'startRollbacks': {
          const items = [...step.retries.map(again), ...step.fresh.map(first)];
          const prepared = await Promise.all(items.map((i) => book.prepareRollback({ massUpgradeId: r.id, ...i })));
          const startable = prepared.map((p) => (p.skipped ? { ...p, operationId: undefined } : p));
          await launch(startItems(r, startable, step.retries, 'rollback', link));
          break;
        }
        case 'finish':
          return r.progress(now());
        default: {
          const unknown: never = step;
          throw new TypeError(`unknown rollout step ${JSON.stringify(unknown)}`);
        }
      }
    }
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
