import { normalizeHost } from '../../traffic/builtin/hostname';
import { RouteConflictError, RouteTable } from '../../traffic/builtin/routeTable';
import type { RouteSpec, Upstream } from '../../ports/traffic';
import { beginRequest } from '../../traffic/builtin/upstreamStats';
import { createWeightedPicker } from '../../traffic/builtin/weightedPicker';

function spec(upstreams: Upstream[], over: Partial<RouteSpec> = {}): RouteSpec {
  return { deploymentId: 'd1', hostname: 'd-1.localhost', upstreams, ...over };
}

function up(key: string, weight: number): Upstream {
  return { key, url: `http://127.0.0.1:${10000 + key.charCodeAt(0)}`, weight };
}

function countPicks(table: RouteTable, host: string, n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  const route = table.matchHost(host)!;
  for (let i = 0; i < n; i++) {
    const picked = route.pick();
    const key = picked ? picked.key : '(none)';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('weighted selection', () => {
  const cases: { name: string; upstreams: Upstream[]; picks: number; expected: Record<string, number>; tolerance: number }[] = [
    { name: '100/0 sends nothing to weight 0', upstreams: [up('a', 100), up('b', 0)], picks: 1000, expected: { a: 1000 }, tolerance: 0 },
    { name: '0/100 sends nothing to weight 0', upstreams: [up('a', 0), up('b', 100)], picks: 1000, expected: { b: 1000 }, tolerance: 0 },
    { name: '90/10', upstreams: [up('a', 90), up('b', 10)], picks: 10000, expected: { a: 9000, b: 1000 }, tolerance: 0.02 },
    { name: '50/50', upstreams: [up('a', 50), up('b', 50)], picks: 1000, expected: { a: 500, b: 500 }, tolerance: 0.02 },
    {
      name: '1/2/7 fractions',
      upstreams: [up('a', 1), up('b', 2), up('c', 7)],
      picks: 10000,
      expected: { a: 1000, b: 2000, c: 7000 },
      tolerance: 0.02,
    },
    { name: 'all zero picks nothing', upstreams: [up('a', 0), up('b', 0)], picks: 10, expected: { '(none)': 10 }, tolerance: 0 },
    { name: 'no upstreams picks nothing', upstreams: [], picks: 10, expected: { '(none)': 10 }, tolerance: 0 },
  ];

  test.each(cases)('$name', ({ upstreams, picks, expected, tolerance }) => {
    const table = new RouteTable();
    table.set(spec(upstreams));
    const counts = countPicks(table, 'd-1.localhost', picks);
    expect(Object.keys(counts).sort()).toEqual(Object.keys(expected).sort());
    for (const [key, want] of Object.entries(expected)) {
      expect(Math.abs(counts[key] - want)).toBeLessThanOrEqual(picks * tolerance);
    }
  });

  test('smooth round-robin interleaves instead of bursting', () => {
    const picker = createWeightedPicker([
      { item: 'a', weight: 2 },
      { item: 'b', weight: 1 },
    ]);
    expect([1, 2, 3, 4, 5, 6].map(() => picker.pick())).toEqual(['a', 'b', 'a', 'a', 'b', 'a']);
  });
});

describe('host matching', () => {
  test.each([
    ['d-1.localhost', 'd-1.localhost'],
    ['D-1.LocalHost', 'd-1.localhost'],
    ['d-1.localhost:8080', 'd-1.localhost'],
    ['D-1.LOCALHOST:443', 'd-1.localhost'],
    ['d-1.localhost.', 'd-1.localhost'],
    ['[::1]:8080', '[::1]'],
    ['', ''],
  ])('normalizeHost(%p) = %p', (raw, want) => {
    expect(normalizeHost(raw)).toBe(want);
  });

  test('a route registered in mixed case matches a Host header with port', () => {
    const table = new RouteTable();
    table.set(spec([up('a', 1)], { hostname: 'App-1.Example.COM' }));
    expect(table.matchHost('app-1.example.com:8080')?.spec.deploymentId).toBe('d1');
    expect(table.matchHost('other.example.com')).toBeUndefined();
    expect(table.matchHost(undefined)).toBeUndefined();
  });

  test('changing a route hostname drops the old name', () => {
    const table = new RouteTable();
    table.set(spec([up('a', 1)], { hostname: 'old.localhost' }));
    table.set(spec([up('a', 1)], { hostname: 'new.localhost' }));
    expect(table.matchHost('old.localhost')).toBeUndefined();
    expect(table.matchHost('new.localhost')).toBeDefined();
  });

  test('two deployments cannot claim one hostname, and the refused set changes nothing', () => {
    const table = new RouteTable();
    table.set(spec([up('a', 1)]));
    expect(() => table.set(spec([up('b', 1)], { deploymentId: 'd2', hostname: 'D-1.localhost' }))).toThrow(RouteConflictError);
    expect(table.get('d2')).toBeUndefined();
    expect(table.matchHost('d-1.localhost')?.spec.deploymentId).toBe('d1');
  });
});

describe('route replacement', () => {
  test('set swaps a new frozen route and leaves the old version untouched', () => {
    const table = new RouteTable();
    const input = spec([up('a', 100)]);
    const first = table.set(input);
    input.upstreams[0].weight = 5; // caller mutating its object must not reach the live route
    const second = table.set(spec([up('a', 0), up('b', 100)]));
    expect(first.spec.upstreams).toEqual([{ key: 'a', url: up('a', 0).url, weight: 100 }]);
    expect(Object.isFrozen(first.spec)).toBe(true);
    expect(table.get('d1')).toBe(second);
    expect(second.pick()?.key).toBe('b');
  });

  test('counters survive a weight change for upstreams that remain', () => {
    const table = new RouteTable();
    table.set(spec([up('a', 100)]));
    const t = beginRequest(table.matchHost('d-1.localhost')!.pick()!.counters);
    t.recordStatus(503);
    t.finish();
    table.set(spec([up('a', 10), up('b', 90)]));
    expect(table.stats('d1')).toMatchObject({
      deploymentId: 'd1',
      upstreams: [
        { key: 'a', requests: 1, errors5xx: 1, inFlight: 0 },
        { key: 'b', requests: 0, errors5xx: 0, inFlight: 0 },
      ],
    });
  });

  test('a removed upstream stays in stats while it still has requests in flight', () => {
    const table = new RouteTable();
    table.set(spec([up('a', 100)]));
    const t = beginRequest(table.get('d1')!.upstreams[0].counters);
    table.set(spec([up('b', 100)]));
    expect(table.stats('d1')!.upstreams.map((u) => [u.key, u.inFlight])).toEqual([
      ['b', 0],
      ['a', 1],
    ]);
    t.finish();
    t.finish(); // exactly once, however many exit paths call it
    expect(table.stats('d1')!.upstreams.map((u) => u.key)).toEqual(['b']);
  });

  test('remove is idempotent and frees the hostname', () => {
    const table = new RouteTable();
    table.set(spec([up('a', 1)]));
    expect(table.remove('d1')).toBe(true);
    expect(table.remove('d1')).toBe(false);
    expect(table.matchHost('d-1.localhost')).toBeUndefined();
    expect(table.stats('d1')).toBeNull();
    table.set(spec([up('a', 1)], { deploymentId: 'd2' }));
    expect(table.matchHost('d-1.localhost')?.spec.deploymentId).toBe('d2');
  });
});
