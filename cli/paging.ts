import type { CommandContext, OptionSpecs, OptionValues } from './command';
import { UsageError } from './errors';

/** Flags of every list command. The API's own limits apply (1-500 a page). */
export const PAGE_OPTIONS: OptionSpecs = {
  limit: { type: 'string' },
  all: { type: 'boolean' },
  cursor: { type: 'string' },
  json: { type: 'boolean' },
};
export const PAGE_ARGS = '[--limit N] [--all] [--cursor C] [--json]';
/** With --all and no --limit: the largest page the API serves, so a fleet takes few requests. */
const ALL_PAGE_SIZE = 500;

/** Query parameters from flags: `--serving-version` becomes `servingVersion`. */
export function queryOf(v: OptionValues, flags: Record<string, string>): URLSearchParams {
  const q = new URLSearchParams();
  for (const [flag, param] of Object.entries(flags)) {
    const value = v[flag];
    if (typeof value === 'string') q.set(param, value);
    else if (value === true) q.set(param, 'true');
  }
  return q;
}

/**
 * Reads a list page by page. With --json every row is written as it arrives, one JSON object a
 * line (NDJSON), so a script can stream a whole fleet; otherwise the rows are handed back for
 * a table. Without --all one page is read, and stderr says how to get the next one.
 */
export async function readList<T>(ctx: CommandContext, path: string, q: URLSearchParams, key: string, v: OptionValues): Promise<T[]> {
  if (typeof v.limit === 'string' && !/^[0-9]+$/.test(v.limit)) throw new UsageError('--limit takes a whole number');
  if (typeof v.limit === 'string') q.set('limit', v.limit);
  else if (v.all) q.set('limit', String(ALL_PAGE_SIZE));
  let cursor = typeof v.cursor === 'string' ? v.cursor : null;
  const rows: T[] = [];
  for (;;) {
    if (cursor) q.set('cursor', cursor);
    const body = await ctx.client.get<Record<string, unknown> & { nextCursor: string | null }>(`${path}?${q}`);
    const page = body[key] as T[];
    if (v.json) for (const row of page) ctx.out(JSON.stringify(row));
    else rows.push(...page);
    cursor = body.nextCursor;
    if (!cursor) return rows;
    if (!v.all) {
      ctx.err(`more follow: add --all, or --cursor ${cursor}`);
      return rows;
    }
  }
}
