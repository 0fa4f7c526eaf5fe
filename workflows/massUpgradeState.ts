import { budgetExceeded } from '../domain/massUpgrade/failureBudget';
import type { MassUpgradeOptions } from '../domain/massUpgrade/options';
import { FAILURES_KEPT, type ItemFailure, type MassUpgradeProgress, type MassUpgradeStatus } from '../domain/massUpgrade/progress';
import { bucketCapacity, newBucket, take, type Bucket } from '../domain/massUpgrade/rateLimiter';
import { busyBackoffMs } from '../domain/massUpgrade/selection';
import { rolloutProgress, rolloutStatus } from './massUpgradeProgress';
import type { ItemOutcome } from './massUpgradeSignals';
import { nextStep, type RolloutStep } from './massUpgradeSteps';

export type ItemKind = 'upgrade' | 'rollback';

export interface QueuedItem {
  deploymentId: string;
  attempt: number;
  kind: ItemKind;
  /** Times this deployment was found busy. */
  busy: number;
  notBeforeMs: number;
}

/** Everything a rollout knows; plain JSON, carried whole into the next run by continue-as-new. */
export interface RolloutData {
  phase: 'upgrading' | 'draining' | 'rolling_back' | 'done';
  status: MassUpgradeStatus;
  waveSizes: number[];
  /** 0-based index of the wave being started, and the next position in it. */
  wave: number;
  offset: number;
  inFlight: Record<string, { operationId: string; kind: ItemKind; attempt: number }>;
  /** Busy deployments waiting for their next try. */
  retry: QueuedItem[];
  counts: { succeeded: number; failed: number; skipped: number; busyRetries: number; rolledBack: number };
  failures: ItemFailure[];
  /** Deployments whose upgrade failed: what rollbackFailed rolls back. */
  failedIds: string[];
  rollbackOffset: number;
  bucket: Bucket;
  paused: boolean;
  cancelRequested: boolean;
  haltReason: string | null;
  nextWaveAtMs: number | null;
}

export function initialData(waveSizes: number[], nowMs: number, bucketCapacity: number): RolloutData {
  return {
    phase: 'upgrading',
    status: 'running',
    waveSizes,
    wave: 0,
    offset: 0,
    inFlight: {},
    retry: [],
    counts: { succeeded: 0, failed: 0, skipped: 0, busyRetries: 0, rolledBack: 0 },
    failures: [],
    failedIds: [],
    rollbackOffset: 0,
    bucket: newBucket(nowMs, bucketCapacity),
    paused: false,
    cancelRequested: false,
    haltReason: null,
    nextWaveAtMs: null,
  };
}

/** The rules of a rollout, free of Temporal calls: the workflow wires signals and timers to it. */
export class Rollout {
  /** Bumped by every event the main loop may be waiting for. */
  events = 0;
  /** Burst size of the rate limiter. */
  readonly capacity: number;

  constructor(
    readonly id: string,
    readonly targetVersion: string,
    readonly options: MassUpgradeOptions,
    readonly data: RolloutData,
  ) {
    this.capacity = bucketCapacity(options.ratePerMinute, options.maxConcurrency);
  }

  /**
   * The next step, from the state alone. Phase changes (to draining, to rolling back, to
   * done) happen here; the workflow only carries steps out and reports what happened.
   */
  next(nowMs: number): RolloutStep {
    return nextStep(this, nowMs);
  }

  /**
   * The new ids of a startUpgrades step arrived (`slice` asked for them). Fewer than asked
   * is the end of a page; none at all means the stored plan is shorter than planned (edited
   * by hand): the wave ends rather than spins.
   */
  tookFresh(ids: string[]): void {
    if (ids.length === 0) this.data.offset = this.data.waveSizes[this.data.wave];
    else this.data.offset += ids.length;
  }

  /** Upgrades started now take their tokens from the rate limiter. */
  took(n: number, nowMs: number): void {
    this.data.bucket = take(this.data.bucket, nowMs, this.options.ratePerMinute, this.capacity, n);
  }

  get total(): number {
    return this.data.waveSizes.reduce((a, b) => a + b, 0);
  }

  get inFlightCount(): number {
    return Object.keys(this.data.inFlight).length;
  }

  /** Whether new upgrades may start now. */
  get stopped(): boolean {
    return this.data.cancelRequested || this.data.haltReason !== null;
  }

  waveHasMore(): boolean {
    return this.data.wave < this.data.waveSizes.length && this.data.offset < this.data.waveSizes[this.data.wave];
  }

  waveFinished(): boolean {
    return !this.waveHasMore() && this.data.retry.length === 0 && this.inFlightCount === 0;
  }

  dueRetries(nowMs: number, kind: ItemKind): QueuedItem[] {
    return this.data.retry.filter((r) => r.kind === kind && r.notBeforeMs <= nowMs);
  }

  nextRetryAtMs(): number | null {
    return this.data.retry.length === 0 ? null : Math.min(...this.data.retry.map((r) => r.notBeforeMs));
  }

  takeRetries(items: QueuedItem[]): void {
    const ids = new Set(items.map((i) => `${i.kind}:${i.deploymentId}`));
    this.data.retry = this.data.retry.filter((r) => !ids.has(`${r.kind}:${r.deploymentId}`));
  }

  starting(deploymentId: string, operationId: string, kind: ItemKind, attempt: number): void {
    this.data.inFlight[deploymentId] = { operationId, kind, attempt };
  }

  /** The deployment's own workflow id was taken by another operation: try again later. */
  busy(item: { deploymentId: string; attempt: number; kind: ItemKind; busy: number }, nowMs: number): void {
    delete this.data.inFlight[item.deploymentId];
    const busy = item.busy + 1;
    this.data.counts.busyRetries += 1;
    this.data.retry.push({
      deploymentId: item.deploymentId,
      attempt: item.attempt + 1,
      kind: item.kind,
      busy,
      notBeforeMs: nowMs + busyBackoffMs(this.options.busyRetrySeconds, busy),
    });
    this.events += 1;
  }

  skipped(): void {
    this.data.counts.skipped += 1;
    this.events += 1;
  }

  /** An item ended (by its signal, or found ended by a reconcile). Unknown or repeated outcomes are ignored. */
  itemDone(o: ItemOutcome): void {
    const f = this.data.inFlight[o.deploymentId];
    if (!f || f.operationId !== o.operationId) return;
    delete this.data.inFlight[o.deploymentId];
    this.events += 1;
    const c = this.data.counts;
    if (o.status === 'succeeded') {
      if (f.kind === 'upgrade') c.succeeded += 1;
      else c.rolledBack += 1;
      return;
    }
    const failure: ItemFailure = {
      deploymentId: o.deploymentId,
      operationId: o.operationId,
      errorType: o.errorType ?? 'Error',
      message: f.kind === 'rollback' ? `rollback failed: ${o.message ?? ''}` : (o.message ?? ''),
    };
    this.data.failures = [...this.data.failures, failure].slice(-FAILURES_KEPT);
    if (f.kind !== 'upgrade') return;
    c.failed += 1;
    this.data.failedIds.push(o.deploymentId);
    if (this.data.haltReason === null) this.data.haltReason = budgetExceeded(this.options.failureBudget, c.failed, this.total);
  }

  pause(): void {
    this.data.paused = true;
    this.events += 1;
  }

  resume(): void {
    this.data.paused = false;
    this.events += 1;
  }

  cancel(): void {
    this.data.cancelRequested = true;
    this.events += 1;
  }

  /** What the status reads as now. */
  currentStatus(): MassUpgradeStatus {
    return rolloutStatus(this.data);
  }

  progress(nowMs: number): MassUpgradeProgress {
    return rolloutProgress(this.id, this.targetVersion, this.data, nowMs);
  }
}
