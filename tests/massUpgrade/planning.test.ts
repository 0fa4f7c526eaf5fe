import {
  allowedFailures,
  available,
  budgetExceeded,
  bucketCapacity,
  busyBackoffMs,
  cumulativeTarget,
  exclusionReason,
  MassUpgradeOptions,
  msUntilToken,
  newBucket,
  parseBudget,
  parseWaveList,
  planWaves,
  progressLine,
  selectCandidates,
  take,
  type CandidateFacts,
  type WaveSize,
} from '../../domain/massUpgrade';
import { Rollout, initialData } from '../../workflows/massUpgradeState';
import { continueAsNewDue } from '../../workflows/massUpgradeSteps';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `d-${String(i).padStart(5, '0')}`);

describe('planWaves: cumulative waves over a sorted fleet', () => {
  it.each<[string, number, WaveSize[], number[]]>([
    ['default canary plan on 100', 100, [1, '10%', '50%', '100%'], [1, 9, 40, 50]],
    ['default plan on 5: 10% rounds up to 1, so it adds nothing', 5, [1, '10%', '50%', '100%'], [1, 2, 2]],
    ['default plan on 1', 1, [1, '10%', '50%', '100%'], [1]],
    ['empty fleet', 0, [1, '100%'], []],
    ['counts', 10, [2, 5, 10], [2, 3, 5]],
    ['counts beyond the fleet are capped', 3, [5, 10], [3]],
    ['a plan short of 100% gets the rest as a last wave', 10, [1, '20%'], [1, 1, 8]],
    ['decreasing targets add nothing', 10, ['50%', 2, '100%'], [5, 5]],
    ['string counts', 10, ['3', '100%'], [3, 7]],
    ['fractional percent', 1000, ['0.5%', '100%'], [5, 995]],
    ['10k fleet', 10_000, [1, '10%', '50%', '100%'], [1, 999, 4000, 5000]],
  ])('%s', (_name, n, waves, sizes) => {
    const plan = planWaves(ids(n), waves);
    expect(plan.map((w) => w.length)).toEqual(sizes);
    expect(plan.flat()).toEqual(ids(n));
  });

  it.each<[WaveSize, number, number]>([
    [1, 100, 1],
    ['10%', 5, 1],
    ['10%', 100, 10],
    ['33%', 10, 4],
    ['100%', 7, 7],
    [50, 7, 7],
    ['0.1%', 10, 1],
  ])('cumulativeTarget(%p, %i) = %i', (size, total, expected) => expect(cumulativeTarget(size, total)).toBe(expected));

  it.each<[string, WaveSize[]]>([
    ['1,10%,50%,100%', [1, '10%', '50%', '100%']],
    [' 2 , 100% ', [2, '100%']],
  ])('parseWaveList(%p)', (text, waves) => expect(parseWaveList(text)).toEqual(waves));
});

describe('failure budget', () => {
  it.each<[string, { count?: number; ratio?: number }, number, number]>([
    ['count', { count: 2 }, 100, 2],
    ['ratio rounds down', { ratio: 0.05 }, 10, 0],
    ['ratio', { ratio: 0.05 }, 100, 5],
    ['both: the stricter wins', { count: 3, ratio: 0.5 }, 100, 3],
    ['both: the stricter wins (ratio)', { count: 30, ratio: 0.1 }, 100, 10],
    ['zero tolerance', { count: 0 }, 100, 0],
  ])('%s', (_n, budget, total, allowed) => {
    expect(allowedFailures(budget, total)).toBe(allowed);
    expect(budgetExceeded(budget, allowed, total)).toBeNull();
    expect(budgetExceeded(budget, allowed + 1, total)).toMatch(/failure budget exceeded: .* the budget allows/);
  });

  it.each<[string, object | null]>([
    ['2', { count: 2 }],
    ['5%', { ratio: 0.05 }],
    ['0', { count: 0 }],
    ['x', null],
    ['101%', null],
    ['-1', null],
  ])('parseBudget(%p)', (t, b) => expect(parseBudget(t)).toEqual(b));
});

describe('rate limiter: token bucket on workflow time', () => {
  it.each<[string, number | null, number, number, number]>([
    // name, rate/min, capacity, ms after emptying, whole tokens available
    ['no limit', null, 5, 0, Number.POSITIVE_INFINITY],
    ['empty right after taking all', 60, 5, 0, 0],
    ['one per second at 60/min', 60, 5, 1000, 1],
    ['2.5 s at 60/min', 60, 5, 2500, 2],
    ['capped at capacity', 60, 5, 60_000, 5],
    ['slow rate: 1/min', 1, 1, 59_999, 0],
    ['slow rate: 1/min after a minute', 1, 1, 60_000, 1],
  ])('%s', (_n, rate, cap, after, expected) => {
    let b = newBucket(0, cap);
    b = take(b, 0, rate, cap, rate === null ? 0 : cap);
    expect(available(b, after, rate, cap)).toBe(expected);
  });

  it('says how long until the next token', () => {
    const b = take(newBucket(0, 2), 0, 30, 2, 2);
    expect(msUntilToken(b, 0, 30, 2)).toBe(2000);
    expect(msUntilToken(b, 1500, 30, 2)).toBe(500);
    expect(msUntilToken(b, 2000, 30, 2)).toBe(0);
    expect(msUntilToken(b, 0, null, 2)).toBe(0);
  });

  it.each<[number | null, number, number]>([
    [null, 5, 5],
    [600, 5, 5],
    [2, 5, 2],
    [0.5, 5, 1],
  ])('capacity(rate %p, concurrency %i) = %i', (rate, conc, cap) => expect(bucketCapacity(rate, conc)).toBe(cap));

  it.each<[number, number, number]>([
    [10, 1, 10_000],
    [10, 2, 20_000],
    [10, 4, 80_000],
    [10, 9, 100_000],
  ])('busy backoff base %is, attempt %i → %i ms', (base, n, ms) => expect(busyBackoffMs(base, n)).toBe(ms));
});

describe('selection', () => {
  const d = (over: Partial<CandidateFacts>): CandidateFacts => ({
    id: 'd-1',
    tenantId: 'acme',
    status: 'running',
    releaseVersion: '1.0.0',
    servingVersion: '1.0.0',
    ...over,
  });
  const rules = { targetVersion: '2.0.0', suspended: 'skip' as const };
  it.each<[string, Partial<CandidateFacts>, object, string | null]>([
    ['running on an old version', {}, {}, null],
    ['already on the target', { servingVersion: '2.0.0', releaseVersion: '2.0.0' }, {}, 'already on the target'],
    ['failed upgrade, still serving the old one', { status: 'failed' }, {}, null],
    ['busy with an operation: taken, the rollout waits', { status: 'restarting' }, {}, null],
    ['suspended, skip', { status: 'suspended', servingVersion: null }, {}, 'suspended'],
    ['suspended, resume', { status: 'suspended', servingVersion: null }, { suspended: 'resume' }, null],
    ['never deployed', { status: 'pending', servingVersion: null }, {}, 'status pending'],
    ['destroyed', { status: 'destroyed', servingVersion: null }, {}, 'status destroyed'],
    ['tenant not selected', {}, { tenants: ['globex'] }, 'tenant not selected'],
    ['tenant selected', {}, { tenants: ['acme'] }, null],
    ['source version not selected', {}, { fromVersions: ['1.5.0'] }, 'on 1.0.0, not a selected source version'],
  ])('%s', (_n, facts, extra, reason) => expect(exclusionReason(d(facts), { ...rules, ...extra })).toBe(reason));

  it('returns sorted ids', () => {
    expect(selectCandidates([d({ id: 'd-b' }), d({ id: 'd-a' }), d({ id: 'd-c', servingVersion: '2.0.0' })], rules)).toEqual([
      'd-a',
      'd-b',
    ]);
  });
});

describe('options', () => {
  it('fills defaults: a canary of one, then 10%, 50%, 100%', () => {
    expect(MassUpgradeOptions.parse({ app: 'hello' })).toMatchObject({
      waves: [1, '10%', '50%', '100%'],
      suspended: 'skip',
      maxConcurrency: 5,
      ratePerMinute: null,
      failureBudget: { count: 0 },
      rollbackFailed: false,
      dryRun: false,
    });
  });
  it.each<[string, object]>([
    ['bad wave', { waves: ['ten'] }],
    ['empty budget', { failureBudget: {} }],
    ['ratio > 1', { failureBudget: { ratio: 2 } }],
    ['zero concurrency', { maxConcurrency: 0 }],
    ['unknown field', { parallel: 3 }],
  ])('refuses %s', (_n, extra) => expect(MassUpgradeOptions.safeParse({ app: 'hello', ...extra }).success).toBe(false));
});

describe('Rollout state', () => {
  const make = (budget = { count: 1 }) =>
    new Rollout('mu-1', '2.0.0', MassUpgradeOptions.parse({ app: 'hello', failureBudget: budget }), initialData([1, 2, 3], 0, 5));

  it('counts outcomes once, ignores unknown ones, and halts past the budget', () => {
    const r = make();
    r.starting('d-1', 'op-1', 'upgrade', 1);
    r.starting('d-2', 'op-2', 'upgrade', 1);
    r.starting('d-3', 'op-3', 'upgrade', 1);
    r.itemDone({ deploymentId: 'd-1', operationId: 'op-1', status: 'succeeded' });
    r.itemDone({ deploymentId: 'd-1', operationId: 'op-1', status: 'succeeded' });
    r.itemDone({ deploymentId: 'd-9', operationId: 'op-9', status: 'failed' });
    r.itemDone({ deploymentId: 'd-2', operationId: 'op-2', status: 'failed', errorType: 'ReadinessTimeout', message: 'not ready' });
    expect(r.data.haltReason).toBeNull();
    r.itemDone({ deploymentId: 'd-3', operationId: 'op-3', status: 'failed', errorType: 'ReadinessTimeout', message: 'not ready' });
    expect(r.data.counts).toMatchObject({ succeeded: 1, failed: 2 });
    expect(r.data.haltReason).toMatch(/2 deployment\(s\) failed, the budget allows 1/);
    expect(r.stopped).toBe(true);
    expect(r.progress(0)).toMatchObject({
      status: 'halting',
      failures: [{ deploymentId: 'd-2', errorType: 'ReadinessTimeout' }, { deploymentId: 'd-3' }],
    });
  });

  it('queues a busy deployment for a later attempt', () => {
    const r = make();
    r.starting('d-1', 'op-1', 'upgrade', 1);
    r.busy({ deploymentId: 'd-1', attempt: 1, kind: 'upgrade', busy: 0 }, 1000);
    expect(r.inFlightCount).toBe(0);
    expect(r.data.retry).toEqual([{ deploymentId: 'd-1', attempt: 2, kind: 'upgrade', busy: 1, notBeforeMs: 1000 + 10_000 }]);
    expect(r.dueRetries(5000, 'upgrade')).toEqual([]);
    expect(r.dueRetries(11_000, 'upgrade')).toHaveLength(1);
  });

  it('prints a one-line progress bar', () => {
    const r = make();
    r.data.wave = 2;
    r.data.offset = 1;
    r.data.counts.succeeded = 3;
    r.starting('d-5', 'op-5', 'upgrade', 1);
    expect(progressLine(r.progress(0), 10)).toBe('[#####-----] 3/6 upgraded, 0 failed, wave 3/3, 1 in flight');
  });
});

describe('continueAsNewDue: when a rollout starts a fresh run', () => {
  const run = { waveAtStart: 1 as number | null, startedThisRun: 10, itemsPerRun: 500, suggested: false };
  it.each<[string, { phase: 'upgrading' | 'draining' | 'done'; wave: number }, Partial<typeof run>, boolean]>([
    ['same wave, few starts, no suggestion: carry on', { phase: 'upgrading', wave: 1 }, {}, false],
    ['a new wave began in this run', { phase: 'upgrading', wave: 2 }, {}, true],
    ['a new wave began but nothing started yet in it', { phase: 'upgrading', wave: 2 }, { startedThisRun: 0 }, true],
    ['this run started its share of upgrades', { phase: 'upgrading', wave: 1 }, { startedThisRun: 500 }, true],
    ['Temporal suggests it (history size)', { phase: 'draining', wave: 1 }, { suggested: true }, true],
    ['done: never, whatever else holds', { phase: 'done', wave: 3 }, { suggested: true, startedThisRun: 900 }, false],
    ['a run from before waves were a boundary ignores the wave', { phase: 'upgrading', wave: 2 }, { waveAtStart: null }, false],
  ])('%s', (_name, d, over, due) => {
    expect(continueAsNewDue(d, { ...run, ...over })).toBe(due);
  });
});
