import type { MassUpgradeProgress, MassUpgradeStatus } from '../domain/massUpgrade/progress';
import type { RolloutData } from './massUpgradeState';

/** What the status reads as now. */
export function rolloutStatus(d: RolloutData): MassUpgradeStatus {
  if (d.phase === 'done') return d.cancelRequested ? 'cancelled' : d.haltReason ? 'halted' : 'completed';
  if (d.cancelRequested) return 'cancelling';
  if (d.haltReason) return 'halting';
  if (d.paused) return 'paused';
  if (d.nextWaveAtMs !== null) return 'baking';
  return 'running';
}

/** The view the progress query, the stored snapshot and the API share. */
export function rolloutProgress(id: string, targetVersion: string, d: RolloutData, nowMs: number): MassUpgradeProgress {
  const c = d.counts;
  const total = d.waveSizes.reduce((a, b) => a + b, 0);
  const started = d.waveSizes.slice(0, d.wave).reduce((a, b) => a + b, 0) + Math.min(d.offset, d.waveSizes[d.wave] ?? 0);
  const waitingBusy = d.retry.filter((r) => r.kind === 'upgrade').length;
  return {
    id,
    status: rolloutStatus(d),
    targetVersion,
    currentWave: d.waveSizes.length === 0 ? 0 : Math.min(d.wave + 1, d.waveSizes.length),
    waves: d.waveSizes.length,
    waveSizes: d.waveSizes,
    counts: {
      total,
      pending: total - started + waitingBusy,
      inFlight: Object.keys(d.inFlight).length,
      succeeded: c.succeeded,
      failed: c.failed,
      skipped: c.skipped,
      busyRetries: c.busyRetries,
      rolledBack: c.rolledBack,
    },
    failures: d.failures,
    inFlight: Object.keys(d.inFlight).sort(),
    haltReason: d.haltReason,
    nextWaveAt: d.nextWaveAtMs !== null ? new Date(d.nextWaveAtMs).toISOString() : null,
    updatedAt: new Date(nowMs).toISOString(),
  };
}
