import type { KeysetOrder, PageRequest } from '../db/queries/keyset';
import { CursorError, decodeCursor, encodeCursor, scopeOf, type SortKey } from '../domain/pagination';
import type { Principal } from './auth';
import { badRequest, forbidden } from './errors';

export interface OpenedPage {
  page: PageRequest;
  /** The nextCursor to answer with: null when the page ends the list. */
  cursorOf(nextKey: SortKey | null): string | null;
}

/**
 * Reads `limit` and `cursor` for one list. `filters` must hold everything that narrows the
 * list, the caller's tenant scope included: a cursor only works again with the same ones.
 */
export function openPage(
  list: string,
  order: KeysetOrder,
  q: { limit: number; cursor?: string },
  filters: Record<string, unknown>,
): OpenedPage {
  const spec = { list, key: order.kinds, scope: scopeOf(filters) };
  let after: SortKey | null = null;
  if (q.cursor !== undefined) {
    try {
      after = decodeCursor(spec, q.cursor);
    } catch (err) {
      if (!(err instanceof CursorError)) throw err;
      throw badRequest(`invalid query: query.cursor: ${err.message}`, [{ field: 'query.cursor', message: err.message }]);
    }
  }
  return { page: { limit: q.limit, after }, cursorOf: (key) => (key ? encodeCursor(spec, key) : null) };
}

/**
 * Whose rows a list may show. A tenant token is always held to its own tenant; naming another
 * is refused (403) rather than ignored, so a script never mistakes an empty answer for "none".
 */
export function tenantScope(p: Principal, requested: string | undefined): string | null {
  if (p.role === 'tenant') {
    if (requested !== undefined && requested !== p.tenantId) throw forbidden('a tenant token can only list its own tenant');
    return p.tenantId;
  }
  return requested ?? null;
}
