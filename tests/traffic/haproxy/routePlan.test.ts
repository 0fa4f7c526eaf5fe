import type { RouteSpec } from '../../../ports/traffic';
import { emptyState, type HaproxyState } from '../../../traffic/haproxy/haproxyState';
import { grown, planRemoval, planRoute, releaseDrained, scaleWeights } from '../../../traffic/haproxy/routePlan';
import { parseOldWorkers, parseServerStats } from '../../../traffic/haproxy/runtimeApi';

const up = (key: string, port: number, weight = 100) => ({ key, url: `http://127.0.0.1:${port}`, weight });
const route = (upstreams: RouteSpec['upstreams'], extra: Partial<RouteSpec> = {}): RouteSpec => ({
  deploymentId: 'd1',
  hostname: 'd1.localhost',
  upstreams,
  ...extra,
});
const plan = (state: HaproxyState, spec: RouteSpec): HaproxyState => {
  const next = planRoute(state, spec);
  if ('grow' in next) throw new Error(`unexpected growth ${JSON.stringify(next.grow)}`);
  return next;
};
const roles = (s: HaproxyState) => Object.fromEntries(Object.entries(s.backends).map(([n, b]) => [n, b.role]));

describe('scaleWeights', () => {
  it.each([
    [[100], [256]],
    [
      [90, 10],
      [256, 28],
    ],
    [
      [900, 100],
      [256, 28],
    ],
    [
      [1, 1000],
      [1, 256],
    ],
    [
      [0, 100],
      [0, 256],
    ],
    [
      [0, 0],
      [0, 0],
    ],
    [[], []],
  ])('%j → %j', (input, expected) => expect(scaleWeights(input)).toEqual(expected));
});

describe('planRoute', () => {
  const small = emptyState({ poolSize: 2, slotsPerBackend: 2 });

  it('puts a new route in the first free backend, slots filled from the front', () => {
    const s = plan(small, route([up('a', 1001)]));
    expect(s.backends.be_000).toEqual({
      deploymentId: 'd1',
      role: 'active',
      slots: [{ key: 'a', host: '127.0.0.1', port: 1001, weight: 256 }, null],
    });
    expect(s.routes).toHaveLength(1);
  });

  it('changes weights in place when the upstream set stays the same (canary steps)', () => {
    const s1 = plan(small, route([up('a', 1001), up('b', 1002)]));
    const s2 = plan(s1, route([up('a', 1001, 10), up('b', 1002, 90)]));
    expect(roles(s2)).toEqual({ be_000: 'active' });
    expect(s2.backends.be_000.slots.map((x) => x?.weight)).toEqual([28, 256]);
  });

  it('moves another upstream set to a fresh backend and drains the old one', () => {
    const s1 = plan(small, route([up('a', 1001)]));
    const s2 = plan(s1, route([up('b', 1002)]));
    expect(roles(s2)).toEqual({ be_000: 'draining', be_001: 'active' });
    expect(s2.backends.be_001.slots[0]?.key).toBe('b');
  });

  it('drains the active backend when the route is suspended or emptied', () => {
    const s1 = plan(small, route([up('a', 1001)]));
    expect(roles(plan(s1, route([], { suspended: { reason: 'x', retryAfterSeconds: 5 } })))).toEqual({ be_000: 'draining' });
    expect(roles(plan(s1, route([])))).toEqual({ be_000: 'draining' });
  });

  it.each([
    ['more upstreams than slots', [up('a', 1), up('b', 2), up('c', 3)], { poolSize: 2, slotsPerBackend: 4 }],
    ['five upstreams', [1, 2, 3, 4, 5].map((n) => up(`k${n}`, n)), { poolSize: 2, slotsPerBackend: 8 }],
  ])('asks to grow the slots for %s', (_name, ups, grow) => {
    expect(planRoute(small, route(ups))).toEqual({ grow });
  });

  it('asks to double the pool when no backend is free, and fits after growing', () => {
    let s = plan(small, route([up('a', 1)]));
    s = plan(s, route([up('b', 2)]));
    const next = planRoute(s, route([up('c', 3)]));
    expect(next).toEqual({ grow: { poolSize: 4, slotsPerBackend: 2 } });
    const bigger = grown(s, { poolSize: 4, slotsPerBackend: 2 });
    expect(roles(plan(bigger, route([up('c', 3)])))).toEqual({ be_000: 'draining', be_001: 'draining', be_002: 'active' });
  });

  it('keeps every backend and slot in place when growing', () => {
    const s = plan(small, route([up('a', 1)]));
    const g = grown(s, { poolSize: 4, slotsPerBackend: 4 });
    expect(g.backends.be_000.slots).toEqual([s.backends.be_000.slots[0], null, null, null]);
  });
});

describe('releaseDrained and planRemoval', () => {
  const s1 = plan(plan(emptyState({ poolSize: 4, slotsPerBackend: 2 }), route([up('a', 1)])), route([up('b', 2)]));

  it.each([
    ['in flight on the draining backend: kept', new Map([['be_000', 1]]), { be_000: 'draining', be_001: 'active' }],
    ['nothing in flight: released', new Map([['be_001', 3]]), { be_001: 'active' }],
    ['no counters at all: released', new Map<string, number>(), { be_001: 'active' }],
  ])('%s', (_name, inFlight, expected) => expect(roles(releaseDrained(s1, inFlight))).toEqual(expected));

  it('removal drops the route and drains its backend', () => {
    const s = planRemoval(s1, 'd1');
    expect(s.routes).toEqual([]);
    expect(roles(s)).toEqual({ be_000: 'draining', be_001: 'draining' });
  });
});

describe('parseServerStats', () => {
  it('reads the columns by name from the header', () => {
    const csv = [
      '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,hrsp_5xx,',
      'be_000,s1,0,0,2,3,,41,0,0,,0,,1,0,0,0,UP,4,',
      'be_000,s2,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,0,',
      '',
    ].join('\n');
    expect(parseServerStats(csv)).toEqual([
      { backend: 'be_000', server: 's1', scur: 2, stot: 41, hrsp5xx: 4, econ: 1, status: 'UP' },
      { backend: 'be_000', server: 's2', scur: 0, stot: 0, hrsp5xx: 0, econ: 0, status: 'MAINT' },
    ]);
  });

  it('refuses an answer that is not show stat CSV', () => {
    expect(() => parseServerStats('Unknown command.\n')).toThrow(/unexpected "show stat" answer/);
  });
});

describe('parseOldWorkers', () => {
  const showProc = (workers: string[], old: string[]) =>
    [
      '#<PID>          <type>          <reloads>       <uptime>        <version>',
      '640             master          1 [failed: 0]   0d00h00m03s     2.6.12-1+deb12u4',
      '# workers',
      ...workers,
      '# old workers',
      ...old,
      '# programs',
      '',
    ].join('\n');
  it.each([
    ['no reload yet', showProc(['641             worker          0               0d00h00m03s     2.6.12'], []), []],
    [
      'one old worker still finishing',
      showProc(
        ['715             worker          0               0d00h00m01s     2.6.12'],
        ['641             worker          1               0d00h00m03s     2.6.12'],
      ),
      [641],
    ],
    [
      'two generations of old workers',
      showProc(['800 worker 0 0d00h00m01s 2.6.12'], ['715 worker 1 0d00h00m02s 2.6.12', '641 worker 2 0d00h00m04s 2.6.12']),
      [715, 641],
    ],
  ])('%s', (_what, text, pids) => {
    expect(parseOldWorkers(text)).toEqual(pids);
  });
});
