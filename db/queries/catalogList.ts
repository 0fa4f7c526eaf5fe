import type { DbOrTrx } from '../database';
import type { ApiToken, App, Release } from '../schema';
import { afterKey, cursorTime, orderByKey, runPage, type KeysetOrder, type Page, type PageRequest } from './keyset';

/** Apps by slug (unique), as operators read them. */
export const APP_ORDER: KeysetOrder = { columns: ['apps.slug'], kinds: ['text'], direction: 'asc' };
/** Releases newest first; the bigserial id breaks ties. */
export const RELEASE_ORDER: KeysetOrder = {
  columns: ['releases.created_at', 'releases.id'],
  kinds: ['timestamp', 'integer'],
  direction: 'desc',
};
/** Tokens in the order they were handed out. */
export const TOKEN_ORDER: KeysetOrder = { columns: ['api_tokens.id'], kinds: ['integer'], direction: 'asc' };

export function listAppsPage(db: DbOrTrx, page: PageRequest): Promise<Page<App>> {
  let q = db.selectFrom('apps').selectAll();
  if (page.after) q = q.where(afterKey(APP_ORDER, page.after));
  const built = q.orderBy(orderByKey(APP_ORDER));
  return runPage(
    (n) => built.limit(n).execute(),
    page,
    (a) => [a.slug],
  );
}

export type ListedRelease = Release & { page_at: string };

export function listReleasesPage(db: DbOrTrx, appId: string, page: PageRequest): Promise<Page<ListedRelease>> {
  let q = db
    .selectFrom('releases')
    .selectAll('releases')
    .select(cursorTime('releases.created_at').as('page_at'))
    .where('releases.app_id', '=', appId);
  if (page.after) q = q.where(afterKey(RELEASE_ORDER, page.after));
  const built = q.orderBy(orderByKey(RELEASE_ORDER));
  return runPage(
    (n) => built.limit(n).execute(),
    page,
    (r) => [r.page_at, Number(r.id)],
  );
}

export interface TokenFilter {
  role?: 'admin' | 'tenant';
  tenantId?: string;
  /** false: only tokens that still work. */
  revoked?: boolean;
}

export function listTokensPage(db: DbOrTrx, f: TokenFilter, page: PageRequest): Promise<Page<ApiToken>> {
  let q = db.selectFrom('api_tokens').selectAll();
  if (f.role !== undefined) q = q.where('role', '=', f.role);
  if (f.tenantId !== undefined) q = q.where('tenant_id', '=', f.tenantId);
  if (f.revoked === true) q = q.where('revoked_at', 'is not', null);
  if (f.revoked === false) q = q.where('revoked_at', 'is', null);
  if (page.after) q = q.where(afterKey(TOKEN_ORDER, page.after));
  const built = q.orderBy(orderByKey(TOKEN_ORDER));
  return runPage(
    (n) => built.limit(n).execute(),
    page,
    (t) => [Number(t.id)],
  );
}

/** Slugs of the apps a page of rows refers to (a page, not the whole catalog). */
export async function appSlugs(db: DbOrTrx, appIds: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(appIds)];
  if (unique.length === 0) return new Map();
  const rows = await db.selectFrom('apps').select(['id', 'slug']).where('id', 'in', unique).execute();
  return new Map(rows.map((a) => [a.id, a.slug]));
}
