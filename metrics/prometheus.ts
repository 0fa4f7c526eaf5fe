/**
 * Prometheus text exposition format 0.0.4, as a pure function of plain data, so the
 * router and the API render the same way and a unit test pins the escaping.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'untyped';
export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  /** Appended to the family name: `_bucket`, `_sum`, `_count` for histograms. */
  suffix?: string;
  labels?: Labels;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

/** Bucket upper bounds (ascending, finite) and per-bucket counts with one extra slot for +Inf. */
export interface HistogramData {
  bounds: readonly number[];
  counts: readonly number[];
  sum: number;
  count: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The `_bucket` (cumulative, ending in `le="+Inf"`), `_sum` and `_count` samples of one histogram. */
export function histogramSamples(labels: Labels, h: HistogramData): Sample[] {
  if (h.counts.length !== h.bounds.length + 1) throw new Error('histogram counts need one slot per bound plus +Inf');
  const samples: Sample[] = [];
  let cumulative = 0;
  h.bounds.forEach((bound, i) => {
    cumulative += h.counts[i];
    samples.push({ suffix: '_bucket', labels: { ...labels, le: formatValue(bound) }, value: cumulative });
  });
  cumulative += h.counts[h.bounds.length];
  samples.push({ suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: cumulative });
  samples.push({ suffix: '_sum', labels, value: h.sum });
  samples.push({ suffix: '_count', labels, value: h.count });
  return samples;
}

function renderLabels(labels: Labels | undefined): string {
  if (!labels) return '';
  const parts = Object.entries(labels).map(([name, value]) => {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`invalid Prometheus label name ${JSON.stringify(name)}`);
    return `${name}="${escapeLabelValue(value)}"`;
  });
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** One text body; a family with no samples still gets its HELP and TYPE, so scrapers learn it exists. */
export function renderPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`invalid Prometheus metric name ${JSON.stringify(f.name)}`);
    if (seen.has(f.name)) throw new Error(`metric ${f.name} rendered twice`);
    seen.add(f.name);
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${f.name}${s.suffix ?? ''}${renderLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return lines.join('\n') + '\n';
}
