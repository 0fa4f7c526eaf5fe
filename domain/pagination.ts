/**
 * Keyset pagination rules, shared by every list. A cursor is the sort key of the last row a
 * page showed, plus the list it belongs to and a fingerprint of the query that made it: a
 * cursor replayed on another list or with other filters (another tenant's scope included) is
 * refused instead of silently answering something else. Keys, not offsets, so rows inserted
 * while a client pages never shift the rows it has not seen yet.
 */

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;
/** Base64url of a small JSON object; anything longer was not made by us. */
export const MAX_CURSOR_LENGTH = 512;

/** How each part of a sort key is checked when a cursor comes back. */
export type KeyPart = 'timestamp' | 'text' | 'integer';
export type SortKey = (string | number)[];

export interface CursorSpec {
  /** Which list: a deployments cursor means nothing to the operations list. */
  list: string;
  /** The types of the sort key, e.g. (created_at, id) → ['timestamp', 'text']. */
  key: readonly KeyPart[];
  /** Canonical text of the filters and the caller's scope; the cursor only fits this query. */
  scope: string;
}

export class CursorError extends Error {}

/** FNV-1a, 32 bit: a fingerprint to tell queries apart, not a secret. */
export function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/** Stable text of a filter object: keys sorted, undefined left out. */
export function scopeOf(filters: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(filters)
      .filter((k) => filters[k] !== undefined)
      .sort()
      .map((k) => [k, filters[k]]),
  );
}

export function encodeCursor(spec: CursorSpec, key: SortKey): string {
  checkKey(spec, key);
  return Buffer.from(JSON.stringify({ l: spec.list, q: fingerprint(spec.scope), k: key })).toString('base64url');
}

export function decodeCursor(spec: CursorSpec, raw: string): SortKey {
  if (raw.length === 0 || raw.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(raw))
    throw new CursorError('not a cursor this API made (pass nextCursor from the previous page unchanged)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('not a cursor this API made (pass nextCursor from the previous page unchanged)');
  }
  const c = parsed as { l?: unknown; q?: unknown; k?: unknown };
  if (typeof c !== 'object' || c === null || typeof c.l !== 'string' || typeof c.q !== 'string' || !Array.isArray(c.k))
    throw new CursorError('not a cursor this API made (pass nextCursor from the previous page unchanged)');
  if (c.l !== spec.list) throw new CursorError(`this cursor belongs to another list (${c.l.slice(0, 40)}), not ${spec.list}`);
  if (c.q !== fingerprint(spec.scope))
    throw new CursorError('this cursor was made with other filters; page with the same query parameters');
  checkKey(spec, c.k as SortKey);
  return c.k as SortKey;
}

/** UTC to the microsecond, as the queries select it (a JS Date would lose the last three digits). */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Real calendar times only: Postgres would answer 2026-02-30 with an error, not a 400. */
function isTimestamp(v: string): boolean {
  if (!TIMESTAMP.test(v)) return false;
  const ms = Date.parse(`${v.slice(0, 23)}Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 23) === v.slice(0, 23);
}

function checkKey(spec: CursorSpec, key: SortKey): void {
  if (key.length !== spec.key.length) throw new CursorError('the cursor does not fit this list');
  spec.key.forEach((kind, i) => {
    const v = key[i];
    const ok =
      kind === 'integer'
        ? typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
        : typeof v === 'string' && v.length <= 200 && (kind === 'text' || isTimestamp(v));
    if (!ok) throw new CursorError('the cursor does not fit this list');
  });
}

/**
 * A query asks for limit + 1 rows: the extra one only says that more follow. The cursor is
 * the key of the last row shown, so the next page starts right after it.
 */
export function cutPage<T>(rows: T[], limit: number, keyOf: (row: T) => SortKey): { items: T[]; nextKey: SortKey | null } {
  if (rows.length <= limit) return { items: rows, nextKey: null };
  const items = rows.slice(0, limit);
  return { items, nextKey: keyOf(items[items.length - 1]) };
}
