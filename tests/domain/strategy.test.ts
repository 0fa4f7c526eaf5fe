import { ensureApplicationFailure } from '@temporalio/common';
import { NON_RETRYABLE_FAILURES } from '../../domain/failures';
import {
  canaryOptions,
  canaryVerdict,
  canaryWeights,
  CanaryOptionsSchema,
  counterDelta,
  InvalidStrategyOptions,
  rollingRoute,
} from '../../domain/strategy';

describe('canary options', () => {
  it('defaults to 10 → 25 → 50 → 100 %', () => {
    expect(canaryOptions(undefined)).toEqual({ steps: [10, 25, 50, 100], pauseSeconds: 30, maxErrorRate: 0.05, minRequests: 20 });
  });
  it.each<[string, unknown, { steps: number[]; pauseSeconds: number }]>([
    ['no options stored', null, { steps: [10, 25, 50, 100], pauseSeconds: 30 }],
    ['options without a canary part', {}, { steps: [10, 25, 50, 100], pauseSeconds: 30 }],
    ['a canary part with defaults to fill', { canary: { steps: [20, 100] } }, { steps: [20, 100], pauseSeconds: 30 }],
    ['a full canary part', { canary: { steps: [50, 100], pauseSeconds: 5 } }, { steps: [50, 100], pauseSeconds: 5 }],
  ])('reads %s', (_n, stored, expected) => {
    expect(canaryOptions(stored)).toMatchObject(expected);
  });
  it.each<[string, unknown, string, RegExp]>([
    ['falling steps', { canary: { steps: [50, 25, 100] } }, 'strategy_options.canary.steps', /steps must rise/],
    ['a last step short of 100', { canary: { steps: [10, 50] } }, 'strategy_options.canary.steps', /last step must be 100/],
    ['a pause of the wrong type', { canary: { pauseSeconds: 'long' } }, 'strategy_options.canary.pauseSeconds', /number/],
    ['an unknown key', { canary: {}, blueGreen: {} }, 'strategy_options', /blueGreen/],
    ['not an object at all', 'fast please', 'strategy_options', /object/],
  ])('refuses stored options with %s, naming the field', (_n, stored, field, reason) => {
    let thrown: unknown;
    try {
      canaryOptions(stored);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidStrategyOptions);
    expect((thrown as InvalidStrategyOptions).field).toBe(field);
    expect((thrown as Error).message).toMatch(reason);
  });
  it('refuses them with a failure type that Temporal does not retry', () => {
    // What an activity's plain error becomes on its way to the workflow.
    const failure = ensureApplicationFailure(new InvalidStrategyOptions('strategy_options.canary.steps', 'steps must rise'));
    expect(failure.type).toBe('InvalidStrategyOptions');
    expect(NON_RETRYABLE_FAILURES).toContain(failure.type);
  });
  it.each([
    [[50, 25, 100], 'steps must rise'],
    [[10, 50], 'the last step must be 100'],
    [[0, 100], 'Too small'],
  ])('rejects steps %j', (steps, message) => {
    const r = CanaryOptionsSchema.safeParse({ steps });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].message).toMatch(new RegExp(message, 'i'));
  });
});

describe('canaryVerdict', () => {
  const o = { maxErrorRate: 0.05, minRequests: 20 };
  it.each<[string, [number, number], [number, number], 'continue' | 'abort']>([
    ['healthy canary', [100, 0], [900, 0], 'continue'],
    ['canary failing', [100, 30], [900, 0], 'abort'],
    ['both failing equally (backend outage)', [100, 30], [900, 270], 'continue'],
    ['just under the margin', [100, 5], [900, 1], 'continue'],
    ['just over the margin', [100, 7], [900, 9], 'abort'],
    ['too few canary requests', [10, 10], [900, 0], 'continue'],
    ['no traffic at all', [0, 0], [0, 0], 'continue'],
  ])('%s → %s', (_n, [cr, ce], [sr, se], action) => {
    expect(canaryVerdict({ requests: cr, errors5xx: ce }, { requests: sr, errors5xx: se }, o).action).toBe(action);
  });
  it('says why it aborts, with the rates', () => {
    expect(canaryVerdict({ requests: 50, errors5xx: 25 }, { requests: 50, errors5xx: 0 }, o).reason).toBe(
      'canary 5xx rate 50.0% vs stable 0.0% exceeds the allowed 5.0% margin (25/50 requests)',
    );
  });
});

describe('counterDelta', () => {
  it('subtracts and never goes negative (a restarted router resets counters)', () => {
    expect(counterDelta({ requests: 10, errors5xx: 2 }, { requests: 25, errors5xx: 3 })).toEqual({ requests: 15, errors5xx: 1 });
    expect(counterDelta({ requests: 10, errors5xx: 2 }, { requests: 3, errors5xx: 0 })).toEqual({ requests: 0, errors5xx: 0 });
  });
});

describe('canaryWeights', () => {
  const share = (w: { key: string; weight: number }[], prefix: string) =>
    w.filter((x) => x.key.startsWith(prefix)).reduce((n, x) => n + x.weight, 0) / w.reduce((n, x) => n + x.weight, 0);
  it.each([
    [1, 1, 10],
    [1, 1, 25],
    [2, 2, 50],
    [3, 2, 10],
    [2, 3, 25],
  ])('%i stable, %i canary at %i%%', (ns, nc, percent) => {
    const w = canaryWeights(
      Array.from({ length: ns }, (_, i) => `s${i}`),
      Array.from({ length: nc }, (_, i) => `c${i}`),
      percent,
    );
    expect(share(w, 'c')).toBeCloseTo(percent / 100, 10);
    expect(w.every((x) => Number.isInteger(x.weight) && x.weight > 0)).toBe(true);
  });
  it('puts everything on the canary at 100 %', () => {
    expect(canaryWeights(['s0'], ['c0', 'c1'], 100)).toEqual([
      { key: 'c0', weight: 100 },
      { key: 'c1', weight: 100 },
    ]);
  });
});

describe('rollingRoute', () => {
  it.each<[string, string[], string[], string[], string[]]>([
    ['first replica of three', ['n0'], ['o0', 'o1', 'o2'], ['n0', 'o1', 'o2'], ['o0']],
    ['second replica of three', ['n0', 'n1'], ['o0', 'o1', 'o2'], ['n0', 'n1', 'o2'], ['o1']],
    ['last replica', ['n0', 'n1', 'n2'], ['o0', 'o1', 'o2'], ['n0', 'n1', 'n2'], ['o2']],
    ['growing from one to two', ['n0', 'n1'], ['o0'], ['n0', 'n1'], []],
    ['nothing old (first deploy)', ['n0'], [], ['n0'], []],
  ])('%s', (_n, ready, old, route, leaving) => {
    expect(rollingRoute(ready, old)).toEqual({ route, leaving });
  });
  it('never holds fewer replicas than the target while replacing', () => {
    const old = ['o0', 'o1', 'o2', 'o3'];
    const ready: string[] = [];
    for (let i = 0; i < 4; i++) {
      ready.push(`n${i}`);
      expect(rollingRoute(ready, old).route.length).toBe(4);
    }
  });
});
