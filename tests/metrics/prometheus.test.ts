import { escapeHelp, escapeLabelValue, formatValue, histogramSamples, renderPrometheus } from '../../metrics/prometheus';

describe('Prometheus text format 0.0.4', () => {
  test.each([
    ['plain', 'plain'],
    ['back\\slash', 'back\\\\slash'],
    ['say "hi"', 'say \\"hi\\"'],
    ['two\nlines', 'two\\nlines'],
  ])('label value %j is escaped as %j', (raw, escaped) => {
    expect(escapeLabelValue(raw)).toBe(escaped);
  });

  test('help escapes backslash and newline but not quotes', () => {
    expect(escapeHelp('a "b"\\c\nd')).toBe('a "b"\\\\c\\nd');
  });

  test.each([
    [1, '1'],
    [0.25, '0.25'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('value %p renders as %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });

  test('renders HELP, TYPE and samples with labels in order, ending in a newline', () => {
    const text = renderPrometheus([
      { name: 'x_total', type: 'counter', help: 'X things.', samples: [{ labels: { a: 'q"1', b: '2' }, value: 3 }, { value: 4 }] },
      { name: 'empty', type: 'gauge', help: 'none yet', samples: [] },
    ]);
    expect(text).toBe(
      [
        '# HELP x_total X things.',
        '# TYPE x_total counter',
        'x_total{a="q\\"1",b="2"} 3',
        'x_total 4',
        '# HELP empty none yet',
        '# TYPE empty gauge',
        '',
      ].join('\n'),
    );
  });

  test('histograms are cumulative and end with +Inf, _sum and _count', () => {
    const samples = histogramSamples({ d: 'x' }, { bounds: [0.1, 1], counts: [2, 3, 1], sum: 4.5, count: 6 });
    const text = renderPrometheus([{ name: 'lat_seconds', type: 'histogram', help: 'h', samples }]);
    expect(text.split('\n').slice(2, -1)).toEqual([
      'lat_seconds_bucket{d="x",le="0.1"} 2',
      'lat_seconds_bucket{d="x",le="1"} 5',
      'lat_seconds_bucket{d="x",le="+Inf"} 6',
      'lat_seconds_sum{d="x"} 4.5',
      'lat_seconds_count{d="x"} 6',
    ]);
  });

  test('rejects invalid metric and label names and duplicate families (programming errors)', () => {
    expect(() => renderPrometheus([{ name: 'bad-name', type: 'gauge', help: '', samples: [] }])).toThrow('bad-name');
    expect(() =>
      renderPrometheus([{ name: 'ok', type: 'gauge', help: '', samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] }]),
    ).toThrow('bad-label');
    expect(() =>
      renderPrometheus([
        { name: 'ok', type: 'gauge', help: '', samples: [] },
        { name: 'ok', type: 'gauge', help: '', samples: [] },
      ]),
    ).toThrow('twice');
    expect(() => histogramSamples({}, { bounds: [1], counts: [1], sum: 0, count: 1 })).toThrow();
  });
});
