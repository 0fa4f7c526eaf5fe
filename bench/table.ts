/** Markdown tables, so a run's output pastes straight into BENCHMARKS.md. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

export const ms = (v: number): string =>
  (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : '–') + ' ms';
export const secs = (v: number): string => (Number.isFinite(v) ? `${(v / 1000).toFixed(2)} s` : '–');
export const num = (v: number, digits = 0): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** Nearest-rank percentile of unsorted values. */
export function pct(values: number[], q: number): number {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
