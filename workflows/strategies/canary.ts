import { ApplicationFailure, CancellationScope, condition, patched, setHandler } from '@temporalio/workflow';
import type { DeploymentContext } from '../../contract/deploymentContext';
import type { OperationInput } from '../../contract/operation';
import { otherSlot } from '../../domain/operations';
import { canaryVerdict, canaryWeights, counterDelta } from '../../domain/trafficShift';
import { acts, fast, stops } from '../activities';
import { abortCanarySignal, canaryStateQuery, promoteCanarySignal, type CanaryState } from '../canarySignals';
import { base, cutOver, prepare, servingAfter, startAll, type ReadyRevision } from './steps';

/**
 * Patch id: a step's end is checked against the time a local activity read
 * (activities/readClock.ts), not Date.now(), which was stale in the first task after
 * another worker took the workflow over.
 */
const RECORDED_CLOCK = 'canary-recorded-clock';

/** How often the canary is judged during a step, so a bad one is caught before the step ends. */
const JUDGE_EVERY_MS = 2_000;

/**
 * Weight steps (default 10 → 25 → 50 → 100 %) with a pause per step. During each pause the
 * canary's 5xx rate since the step began is compared with the stable revision's, measured
 * at the router; above the threshold, or on a manual abort, all traffic returns to stable
 * and the canary stops. A manual promote skips the remaining pauses. At 100 % it is a
 * normal cut-over: the stable revision stays warm for the rollback window.
 */
export async function canary(ctx: DeploymentContext, op: OperationInput): Promise<void> {
  const o = ctx.canary;
  let promotedBy: string | null = null;
  let abortedBy: string | null = null;
  const state: CanaryState = { step: 0, percent: 0, lastVerdict: null };
  const recordedClock = patched(RECORDED_CLOCK);
  // Runs from before the patch read Date.now() at the same points.
  const clock = async () => (recordedClock ? (await fast.readClock()).nowMs : Date.now());
  setHandler(promoteCanarySignal, ({ actor }) => void (promotedBy ??= actor));
  setHandler(abortCanarySignal, ({ actor }) => void (abortedBy ??= actor));
  setHandler(canaryStateQuery, () => state);

  await prepare(ctx, op);
  const stable = await acts.servingRevisions(base(op));
  const slot = otherSlot(ctx.activeSlot);
  const canaryRevs = await startAll(ctx, op, slot);
  const groups = { canary: canaryRevs.map((r) => r.key), stable: stable.map((r) => r.key) };

  const route = (percent: number, step: string) => {
    const weights = new Map(canaryWeights(groups.stable, groups.canary, percent).map((w) => [w.key, w.weight]));
    const all: ReadyRevision[] = [...stable, ...canaryRevs];
    return acts.setUpstreams({
      ...base(op),
      hostname: ctx.hostname,
      upstreams: all.filter((r) => weights.has(r.key)).map((r) => ({ ...r, weight: weights.get(r.key) as number })),
      step,
    });
  };

  try {
    for (const [i, percent] of o.steps.entries()) {
      if (percent >= 100 || promotedBy) break;
      state.step = i + 1;
      state.percent = percent;
      await route(percent, `canary-${percent}`);
      const before = await acts.routeCounters({ deploymentId: op.deploymentId, groups });
      let t = await clock();
      const stepEnds = t + o.pauseSeconds * 1000;
      for (;;) {
        const left = stepEnds - t;
        if (left <= 0 || promotedBy || abortedBy) break;
        await condition(() => promotedBy !== null || abortedBy !== null, Math.min(JUDGE_EVERY_MS, left));
        const after = await acts.routeCounters({ deploymentId: op.deploymentId, groups });
        const verdict = canaryVerdict(counterDelta(before.canary, after.canary), counterDelta(before.stable, after.stable), o);
        state.lastVerdict = verdict.reason;
        if (verdict.action === 'abort')
          throw ApplicationFailure.create({
            type: 'CanaryAborted',
            message: `canary aborted at ${percent}%: ${verdict.reason}`,
            nonRetryable: true,
          });
        t = await clock();
      }
      if (abortedBy)
        throw ApplicationFailure.create({
          type: 'CanaryAborted',
          message: `canary aborted at ${percent}% by ${abortedBy}`,
          nonRetryable: true,
        });
      await acts.note({
        operationId: op.operationId,
        phase: 'switchTraffic',
        step: `canary-${percent}-done`,
        message: promotedBy
          ? `promoted by ${promotedBy} at ${percent}%`
          : `step ${percent}% passed: ${state.lastVerdict ?? 'no traffic to judge'}`,
      });
    }
  } catch (err) {
    // Back to stable before anything else, then the canary stops; the failure is recorded by runOperation.
    await CancellationScope.nonCancellable(async () => {
      await acts.setUpstreams({
        ...base(op),
        hostname: ctx.hostname,
        upstreams: stable.map((r) => ({ ...r, weight: 100 })),
        step: 'canary-abort',
      });
      await stops.stopRevisions({ ...base(op), keys: groups.canary });
    });
    throw err;
  }
  state.percent = 100;
  await cutOver(ctx, op, canaryRevs, servingAfter(ctx, slot));
}
