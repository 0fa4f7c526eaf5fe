import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { cutPage, type KeyPart, type SortKey } from '../../domain/pagination';

/** What a list query needs from the API: how many rows, and the key of the last row already shown. */
export interface PageRequest {
  limit: number;
  after: SortKey | null;
}

export interface Page<T> {
  rows: T[];
  /** null: this page ends the list. */
  nextKey: SortKey | null;
}

export interface KeysetOrder {
  /** Qualified columns of the sort key, the last one unique (the id), e.g. ['deployments.created_at', 'deployments.id']. */
  columns: readonly string[];
  kinds: readonly KeyPart[];
  direction: 'asc' | 'desc';
}

/**
 * A timestamp as the cursor carries it: UTC to the microsecond. A JS Date keeps only
 * milliseconds, and a key rounded down would skip or repeat rows created in the same one.
 */
export const cursorTime = (column: string): RawBuilder<string> =>
  sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Rows strictly after the key in the list's order: one row comparison, which a (columns…) index answers. */
export function afterKey(order: KeysetOrder, key: SortKey): Expression<SqlBool> {
  const values = key.map((v, i) => (order.kinds[i] === 'timestamp' ? sql`${v}::timestamptz` : sql`${v}`));
  const cmp = order.direction === 'desc' ? sql.raw('<') : sql.raw('>');
  return sql<SqlBool>`(${sql.join(order.columns.map((c) => sql.ref(c)))}) ${cmp} (${sql.join(values)})`;
}

/** The ORDER BY of a keyset list; the same columns as afterKey, so the page order and the cursor agree. */
export function orderByKey(order: KeysetOrder): RawBuilder<unknown> {
  const dir = sql.raw(order.direction);
  return sql`${sql.join(order.columns.map((c) => sql`${sql.ref(c)} ${dir}`))}`;
}

/** Runs a query built with afterKey/orderByKey for limit + 1 rows and cuts the page. */
export async function runPage<T>(
  fetch: (limitPlusOne: number) => Promise<T[]>,
  page: PageRequest,
  keyOf: (row: T) => SortKey,
): Promise<Page<T>> {
  const { items, nextKey } = cutPage(await fetch(page.limit + 1), page.limit, keyOf);
  return { rows: items, nextKey };
}
