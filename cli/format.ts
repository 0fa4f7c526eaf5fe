/** Plain aligned text: no colors, no dependencies, readable in any terminal or log. */

const EMPTY = '-';

export const cell = (v: unknown): string => (v === null || v === undefined || v === '' ? EMPTY : String(v));

/** Columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function table(headers: string[], rows: unknown[][]): string {
  const text = [headers, ...rows.map((r) => r.map(cell))];
  const widths = headers.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  return (
    text
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** `KEY   value` lines for one record. */
export function keyValues(pairs: [string, unknown][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${cell(v)}`).join('\n') + '\n';
}

export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** "12s ago", "5m ago": enough to spot a stuck deployment in a list. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return EMPTY;
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** "2024-05-01 12:03:04Z": exact, sortable, and the same for everyone on the incident. */
export function timestamp(iso: string | null | undefined): string {
  if (!iso) return EMPTY;
  return new Date(iso)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

export const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
