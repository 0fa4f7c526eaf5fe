import { available, msUntilToken } from '../domain/massUpgrade/rateLimiter';
import type { QueuedItem, Rollout, RolloutData } from './massUpgradeState';

/** Upgrades (or rollbacks) started per step at most: one prepare activity's worth. */
const BATCH = 50;
/** With nothing to start, the rollout still looks again this often (a lost completion is reconciled then). */
export const RECONCILE_EVERY_MS = 30_000;

export interface WaveSlice {
  wave: number;
  offset: number;
  count: number;
}

/**
 * What the workflow does next, decided by Rollout.next() from the state alone. `wait` ends
 * early on any event (an outcome, a signal).
 */
export type RolloutStep =
  | { type: 'wait'; ms: number }
  /** Retries taken off the queue, plus up to `fresh.count` new ids of the current wave. */
  | { type: 'startUpgrades'; retries: QueuedItem[]; fresh: WaveSlice | null }
  | { type: 'startRollbacks'; retries: QueuedItem[]; fresh: string[] }
  | { type: 'finish' };

/** Decides what the rollout does next; see Rollout.next(). */
export function nextStep(r: Rollout, nowMs: number): RolloutStep {
  for (;;) {
    const step = stepIn(r, r.data.phase, nowMs);
    if (step) return step;
  }
}

/** A step in this phase, or null after moving to another phase. */
function stepIn(r: Rollout, phase: RolloutData['phase'], nowMs: number): RolloutStep | null {
  switch (phase) {
    case 'upgrading':
      return upgradeStep(r, nowMs);
    case 'draining':
      return drainStep(r);
    case 'rolling_back':
      return rollbackStep(r, nowMs);
    case 'done':
      return { type: 'finish' };
    default: {
      const unknown: never = phase;
      throw new TypeError(`unknown rollout phase ${String(unknown)}`);
    }
  }
}

function upgradeStep(r: Rollout, nowMs: number): RolloutStep | null {
  const d = r.data;
  const o = r.options;
  if (d.nextWaveAtMs !== null) {
    // Baking: a stop ends it early (nothing more will start anyway).
    if (!r.stopped && nowMs < d.nextWaveAtMs) return { type: 'wait', ms: d.nextWaveAtMs - nowMs };
    d.nextWaveAtMs = null;
    if (o.pauseBetweenWaves) r.pause();
  }
  if (r.stopped) return moveTo(r, 'draining');
  if (d.paused) return { type: 'wait', ms: RECONCILE_EVERY_MS };
  if (r.waveFinished()) {
    if (d.wave + 1 >= d.waveSizes.length) return moveTo(r, 'draining');
    d.wave += 1;
    d.offset = 0;
    if (o.bakeSeconds > 0) d.nextWaveAtMs = nowMs + o.bakeSeconds * 1000;
    else if (o.pauseBetweenWaves) r.pause();
    return null;
  }
  const due = r.dueRetries(nowMs, 'upgrade');
  const free = o.maxConcurrency - r.inFlightCount;
  const startable = due.length + (r.waveHasMore() ? d.waveSizes[d.wave] - d.offset : 0);
  if (free <= 0 || startable === 0) return idle(r, nowMs);
  const tokens = available(d.bucket, nowMs, o.ratePerMinute, r.capacity);
  if (tokens < 1) return { type: 'wait', ms: msUntilToken(d.bucket, nowMs, o.ratePerMinute, r.capacity) };
  const n = Math.min(free, tokens, startable, BATCH);
  const retries = due.slice(0, n);
  r.takeRetries(retries);
  const count = Math.min(n - retries.length, r.waveHasMore() ? d.waveSizes[d.wave] - d.offset : 0);
  return { type: 'startUpgrades', retries, fresh: count > 0 ? { wave: d.wave, offset: d.offset, count } : null };
}

/** No new upgrades: wait for the running ones to report. */
function drainStep(r: Rollout): RolloutStep | null {
  const d = r.data;
  if (r.inFlightCount > 0) return { type: 'wait', ms: RECONCILE_EVERY_MS };
  // Busy deployments that never got their turn stay as they were: nothing started on them.
  d.retry = d.retry.filter((q) => q.kind !== 'upgrade');
  return moveTo(r, d.haltReason && r.options.rollbackFailed && !d.cancelRequested ? 'rolling_back' : 'done');
}

/** After a halt: each failed deployment back to what it served before, in the same window. */
function rollbackStep(r: Rollout, nowMs: number): RolloutStep | null {
  const d = r.data;
  if (d.rollbackOffset >= d.failedIds.length && r.inFlightCount === 0 && d.retry.length === 0) return moveTo(r, 'done');
  const due = r.dueRetries(nowMs, 'rollback');
  const free = r.options.maxConcurrency - r.inFlightCount;
  if (free <= 0 || (due.length === 0 && d.rollbackOffset >= d.failedIds.length)) return idle(r, nowMs);
  const retries = due.slice(0, free);
  r.takeRetries(retries);
  const fresh = d.failedIds.slice(d.rollbackOffset, d.rollbackOffset + Math.min(BATCH, free - retries.length));
  d.rollbackOffset += fresh.length;
  return { type: 'startRollbacks', retries, fresh };
}

/** Nothing to start now: until the next busy retry is due, or the next reconcile. */
function idle(r: Rollout, nowMs: number): RolloutStep {
  const nextRetry = r.nextRetryAtMs();
  return { type: 'wait', ms: nextRetry !== null ? Math.max(1, nextRetry - nowMs) : RECONCILE_EVERY_MS };
}

function moveTo(r: Rollout, phase: RolloutData['phase']): null {
  r.data.phase = phase;
  return null;
}

/**
 * Whether the rollout continues as new before its next step: never once done; else when a
 * new wave began in this run (so a run's history covers one wave at most), when this run
 * started its share of upgrades, or when Temporal suggests it (history size).
 * `waveAtStart` is null in runs from before waves were a boundary: they replay as recorded.
 */
export function continueAsNewDue(
  d: Pick<RolloutData, 'phase' | 'wave'>,
  run: { waveAtStart: number | null; startedThisRun: number; itemsPerRun: number; suggested: boolean },
): boolean {
  if (d.phase === 'done') return false;
  const newWave = run.waveAtStart !== null && d.wave !== run.waveAtStart;
  return run.suggested || run.startedThisRun >= run.itemsPerRun || newWave;
}
