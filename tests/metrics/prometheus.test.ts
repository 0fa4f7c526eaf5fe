import { Counter, Registry } from 'prom-client';
import { PROMETHEUS_CONTENT_TYPE, SnapshotHistogram } from '../../metrics/prometheus';

const histogram = (registry: Registry) =>
  new SnapshotHistogram({ name: 'lat_seconds', help: 'h', labelNames: ['d'], buckets: [0.1, 1], registers: [registry] });

describe('SnapshotHistogram (buckets counted elsewhere, rendered by prom-client)', () => {
  test('buckets are cumulative and end with +Inf, _sum and _count', async () => {
    const registry = new Registry();
    histogram(registry).set([{ labels: { d: 'x' }, counts: [2, 3, 1], sum: 4.5, count: 6 }]);
    expect((await registry.metrics()).split('\n')).toEqual([
      '# HELP lat_seconds h',
      '# TYPE lat_seconds histogram',
      'lat_seconds_bucket{d="x",le="0.1"} 2',
      'lat_seconds_bucket{d="x",le="1"} 5',
      'lat_seconds_bucket{d="x",le="+Inf"} 6',
      'lat_seconds_sum{d="x"} 4.5',
      'lat_seconds_count{d="x"} 6',
      '',
    ]);
  });

  test('set() replaces every series: one not passed again disappears', async () => {
    const registry = new Registry();
    const h = histogram(registry);
    h.set([{ labels: { d: 'gone' }, counts: [1, 0, 0], sum: 0.05, count: 1 }]);
    h.set([{ labels: { d: 'kept' }, counts: [0, 0, 0], sum: 0, count: 0 }]);
    const text = await registry.metrics();
    expect(text).not.toContain('gone');
    expect(text).toContain('lat_seconds_count{d="kept"} 0');
  });

  test('counts must have one slot per bound plus +Inf (a programming error)', () => {
    expect(() => histogram(new Registry()).set([{ labels: { d: 'x' }, counts: [1, 2], sum: 0, count: 3 }])).toThrow('+Inf');
  });

  test('label values are escaped by prom-client (backslash, quote, newline) and the content type is text 0.0.4', async () => {
    const registry = new Registry();
    new Counter({ name: 'x_total', help: 'X things.', labelNames: ['a'], registers: [registry] }).inc({ a: 'q"1\\\n' }, 3);
    expect(await registry.metrics()).toContain('x_total{a="q\\"1\\\\\\n"} 3');
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});
