import { Histogram, Registry, type HistogramConfiguration, type LabelValues, type MetricType } from 'prom-client';

/**
 * prom-client renders both /metrics bodies (the API's and the router's). Their numbers are
 * counted elsewhere — in place on the router's hot path, or by SQL on the API — and handed
 * to prom-client at scrape time, so a request never pays for label hashing.
 */

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** One labelled series: per-bucket counts (one slot per bound, plus one for +Inf), their sum and count. */
export interface HistogramSeries<T extends string> {
  labels: LabelValues<T>;
  counts: readonly number[];
  sum: number;
  count: number;
}

type Rendered<T extends string> = Awaited<ReturnType<Histogram<T>['get']>>;

/**
 * A prom-client histogram whose buckets were counted elsewhere: `set()` replaces every
 * series at once (series not passed disappear, like a removed route), prom-client renders.
 */
export class SnapshotHistogram<T extends string> extends Histogram<T> {
  private readonly bounds: readonly number[];
  private readonly metricName: string;
  private readonly helpText: string;
  private series: readonly HistogramSeries<T>[] = [];

  constructor(config: Omit<HistogramConfiguration<T>, 'buckets'> & { buckets: readonly number[] }) {
    super({ ...config, buckets: [...config.buckets] });
    this.bounds = config.buckets;
    this.metricName = config.name;
    this.helpText = config.help;
  }

  set(series: readonly HistogramSeries<T>[]): void {
    for (const s of series) {
      if (s.counts.length !== this.bounds.length + 1) throw new Error('histogram counts need one slot per bound plus +Inf');
    }
    this.series = series;
  }

  override async get(): Promise<Rendered<T>> {
    return this.getForPromString();
  }

  /** What prom-client's registry renders (it prefers this over get()). */
  async getForPromString(): Promise<Rendered<T>> {
    const values: Rendered<T>['values'] = [];
    for (const s of this.series) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i];
        values.push({ metricName: `${this.metricName}_bucket`, labels: { ...s.labels, le } as LabelValues<T>, value: cumulative });
      });
      cumulative += s.counts[this.bounds.length];
      values.push({ metricName: `${this.metricName}_bucket`, labels: { ...s.labels, le: '+Inf' } as LabelValues<T>, value: cumulative });
      values.push({ metricName: `${this.metricName}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.metricName}_count`, labels: s.labels, value: s.count });
    }
    // prom-client's typings declare MetricType as a numeric enum that does not exist at run time; the registry prints the string.
    return {
      name: this.metricName,
      help: this.helpText,
      type: 'histogram' as unknown as MetricType,
      values,
      aggregator: 'sum',
      collect: () => undefined,
    };
  }
}
