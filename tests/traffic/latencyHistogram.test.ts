import { estimateQuantile, LATENCY_BUCKETS_MS, LatencyHistogram } from '../../traffic/builtin/latencyHistogram';
import { beginRequest, UpstreamCounters } from '../../traffic/builtin/upstreamStats';
import { createWeightedPicker } from '../../traffic/builtin/weightedPicker';

describe('latency histogram', () => {
  test('a value on a bound counts in that bucket; past the last bound only in the total', () => {
    const h = new LatencyHistogram();
    for (const ms of [0, 1, 1.5, 10, 10000, 20000]) h.observe(ms);
    const s = h.snapshot();
    expect(s.count).toBe(6);
    expect(s.sumMs).toBe(30012.5);
    const at = (le: number) => s.buckets.find((b) => b.leMs === le)!.count;
    expect(at(1)).toBe(2); // 0 and 1
    expect(at(2)).toBe(3);
    expect(at(10)).toBe(4);
    expect(at(10000)).toBe(5);
    expect(s.buckets.map((b) => b.leMs)).toEqual([...LATENCY_BUCKETS_MS]);
  });

  test.each([
    ['no observations', [], 0.5, null],
    ['all in one bucket interpolates inside it', [20, 20, 20, 20], 0.5, 17.5],
    ['p99 of 99 fast and 1 slow stays in the fast bucket', [...Array(99).fill(3), 400], 0.99, 5],
    ['slower than the last bound answers the last bound', [60000, 60000], 0.5, 10000],
  ])('quantile: %s', (_name, values, q, expected) => {
    const h = new LatencyHistogram();
    for (const v of values as number[]) h.observe(v);
    expect(estimateQuantile(h.counts, q as number)).toBe(expected);
  });

  test('a tracker records latency and status class once; tunnels skip latency', () => {
    let now = 0;
    const c = new UpstreamCounters('a');
    const route = new LatencyHistogram();
    const t = beginRequest(c, route, () => now);
    now = 42;
    t.recordStatus(200);
    t.finish();
    t.finish();
    const ws = beginRequest(c, route, () => now);
    ws.recordStatus(101);
    now = 100_000;
    ws.finish({ observeLatency: false });
    const retried = beginRequest(c, route, () => now);
    retried.recordConnectError();
    retried.finish();
    expect(c.latency.count).toBe(1);
    expect(route.count).toBe(1);
    expect(c.latency.sumMs).toBe(42);
    expect(c.byClass).toMatchObject({ '1xx': 1, '2xx': 1, none: 1, '5xx': 0 });
    expect(c).toMatchObject({ requests: 3, inFlight: 0, connectErrors: 1, errors5xx: 0 });
  });

  test('a 5xx after headers (a cut body) is what the request ends as, counted once', () => {
    const c = new UpstreamCounters('a');
    const t = beginRequest(c);
    t.recordStatus(200);
    t.recordStatus(502);
    t.recordStatus(502);
    t.finish();
    expect(c.errors5xx).toBe(1);
    expect(c.byClass).toMatchObject({ '2xx': 0, '5xx': 1 });
  });
});

describe('weighted picker with a filter (passive health)', () => {
  test('skips rejected entries and keeps the ratio among the others', () => {
    const picker = createWeightedPicker([
      { item: 'a', weight: 1 },
      { item: 'b', weight: 1 },
      { item: 'c', weight: 2 },
    ]);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      const k = picker.pick((x) => x !== 'a')!;
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(counts).toEqual({ b: 100, c: 200 });
    expect(picker.pick(() => false)).toBeNull();
    expect(createWeightedPicker([{ item: 'solo', weight: 1 }]).pick(() => false)).toBeNull();
  });
});
