import { MassUpgradeOptions, type MassUpgradeOptionsInput } from '../../domain/massUpgrade/options';
import { initialData, Rollout } from '../../workflows/massUpgradeState';
import { RECONCILE_EVERY_MS } from '../../workflows/massUpgradeSteps';

/** Rollout.next(): what a fleet rollout does next, decided from its state alone. */
const make = (waves: number[], extra: Partial<MassUpgradeOptionsInput> = {}) => {
  const options = MassUpgradeOptions.parse({ app: 'hello', ...extra });
  return new Rollout('mu-1', '2.0.0', options, initialData(waves, 0, options.maxConcurrency));
};

/** Starts the current step's fresh ids as d-<wave>-<offset> and returns the step. */
const startFresh = (r: Rollout, nowMs: number) => {
  const step = r.next(nowMs);
  if (step.type !== 'startUpgrades' || !step.fresh) throw new Error(`expected fresh upgrades, got ${JSON.stringify(step)}`);
  const { wave, offset, count } = step.fresh;
  const ids = Array.from({ length: count }, (_, i) => `d-${wave}-${offset + i}`);
  r.tookFresh(ids);
  r.took(ids.length, nowMs);
  ids.forEach((id) => r.starting(id, `op-${id}`, 'upgrade', 1));
  return ids;
};
const succeed = (r: Rollout, ids: string[]) =>
  ids.forEach((id) => r.itemDone({ deploymentId: id, operationId: `op-${id}`, status: 'succeeded' }));
const fail = (r: Rollout, ids: string[]) =>
  ids.forEach((id) => r.itemDone({ deploymentId: id, operationId: `op-${id}`, status: 'failed', errorType: 'ReadinessTimeout' }));

describe('Rollout.next', () => {
  it.each<[string, number[], Partial<MassUpgradeOptionsInput>, { wave: number; offset: number; count: number }]>([
    ['the canary cohort first', [1, 2, 3], {}, { wave: 0, offset: 0, count: 1 }],
    ['no more than the concurrency window', [10], { maxConcurrency: 3 }, { wave: 0, offset: 0, count: 3 }],
    ['no more than the rate limit allows at once', [10], { maxConcurrency: 5, ratePerMinute: 2 }, { wave: 0, offset: 0, count: 2 }],
    ['no more than one batch', [200], { maxConcurrency: 500 }, { wave: 0, offset: 0, count: 50 }],
  ])('starts %s', (_n, waves, extra, fresh) => {
    const r = make(waves, extra);
    if (extra.ratePerMinute) r.data.bucket = { tokens: 2, atMs: 0 };
    expect(r.next(0)).toEqual({ type: 'startUpgrades', retries: [], fresh });
  });

  it('waits for a free slot, then for the wave to finish, then starts the next wave', () => {
    const r = make([1, 2]);
    const canary = startFresh(r, 0);
    expect(r.next(0)).toEqual({ type: 'wait', ms: RECONCILE_EVERY_MS });
    succeed(r, canary);
    expect(r.next(1)).toEqual({ type: 'startUpgrades', retries: [], fresh: { wave: 1, offset: 0, count: 2 } });
    expect(r.progress(1).currentWave).toBe(2);
  });

  it('bakes between waves, and a cancel ends the bake at once', () => {
    const r = make([1, 2], { bakeSeconds: 60 });
    succeed(r, startFresh(r, 0));
    expect(r.next(1000)).toEqual({ type: 'wait', ms: 60_000 });
    expect(r.currentStatus()).toBe('baking');
    expect(r.next(31_000)).toEqual({ type: 'wait', ms: 30_000 });
    r.cancel();
    expect(r.next(32_000)).toEqual({ type: 'finish' });
    expect(r.currentStatus()).toBe('cancelled');
  });

  it('starts the next wave once the bake is over', () => {
    const r = make([1, 2], { bakeSeconds: 60 });
    succeed(r, startFresh(r, 0));
    r.next(1000);
    expect(r.next(61_000)).toMatchObject({ type: 'startUpgrades', fresh: { wave: 1, offset: 0, count: 2 } });
    expect(r.currentStatus()).toBe('running');
  });

  it('pauses between waves when asked to, until resumed', () => {
    const r = make([1, 2], { pauseBetweenWaves: true });
    succeed(r, startFresh(r, 0));
    expect(r.next(1)).toEqual({ type: 'wait', ms: RECONCILE_EVERY_MS });
    expect(r.currentStatus()).toBe('paused');
    r.resume();
    expect(r.next(2)).toMatchObject({ type: 'startUpgrades', fresh: { wave: 1 } });
  });

  it('waits for a token when the rate limit is spent', () => {
    const r = make([5], { ratePerMinute: 1, maxConcurrency: 5 });
    r.data.bucket = { tokens: 0, atMs: 0 };
    expect(r.next(0)).toEqual({ type: 'wait', ms: 60_000 });
  });

  it('retries a busy deployment once its backoff is over, before fresh ids', () => {
    const r = make([3], { maxConcurrency: 2 });
    const [a] = startFresh(r, 0);
    r.busy({ deploymentId: a, attempt: 1, kind: 'upgrade', busy: 0 }, 0);
    r.starting('d-0-1', 'op-d-0-1', 'upgrade', 1);
    r.starting('d-0-2', 'op-d-0-2', 'upgrade', 1);
    r.data.offset = 3;
    succeed(r, ['d-0-1', 'd-0-2']);
    expect(r.next(5_000)).toEqual({ type: 'wait', ms: 5_000 });
    const step = r.next(10_000);
    expect(step).toMatchObject({ type: 'startUpgrades', retries: [{ deploymentId: a, attempt: 2 }], fresh: null });
    expect(r.data.retry).toEqual([]);
  });

  it('ends a wave whose stored plan ran short instead of spinning', () => {
    const r = make([3, 1]);
    r.next(0);
    r.tookFresh([]);
    expect(r.next(1)).toMatchObject({ type: 'startUpgrades', fresh: { wave: 1, offset: 0, count: 1 } });
  });

  it('drains after a halt, then rolls the failed deployments back when asked to', () => {
    const r = make([3], { failureBudget: { count: 0 }, rollbackFailed: true });
    const ids = startFresh(r, 0);
    fail(r, ids.slice(0, 1));
    expect(r.currentStatus()).toBe('halting');
    expect(r.next(1)).toEqual({ type: 'wait', ms: RECONCILE_EVERY_MS });
    succeed(r, ids.slice(1));
    expect(r.next(2)).toEqual({ type: 'startRollbacks', retries: [], fresh: ['d-0-0'] });
    r.starting('d-0-0', 'op-rb', 'rollback', 1);
    r.itemDone({ deploymentId: 'd-0-0', operationId: 'op-rb', status: 'succeeded' });
    expect(r.next(3)).toEqual({ type: 'finish' });
    expect(r.progress(3)).toMatchObject({ status: 'halted', counts: { succeeded: 2, failed: 1, rolledBack: 1 } });
  });

  it('finishes a halted rollout without rollbacks unless asked, and drops busy upgrades still waiting', () => {
    const r = make([3], { failureBudget: { count: 0 } });
    const ids = startFresh(r, 0);
    r.busy({ deploymentId: ids[2], attempt: 1, kind: 'upgrade', busy: 0 }, 0);
    fail(r, ids.slice(0, 1));
    succeed(r, ids.slice(1, 2));
    expect(r.next(1)).toEqual({ type: 'finish' });
    expect(r.data.retry).toEqual([]);
    expect(r.currentStatus()).toBe('halted');
  });

  it('completes an empty fleet at once', () => {
    const r = make([]);
    expect(r.next(0)).toEqual({ type: 'finish' });
    expect(r.currentStatus()).toBe('completed');
  });
});
