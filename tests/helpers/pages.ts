import type { Api } from './hello';

/**
 * Follows nextCursor until it is null and returns every row, failing on any non-200. `between`
 * runs after each page (to insert rows while a client pages).
 */
export async function allPages<T = any>(
  api: Api,
  path: string,
  key: string,
  opts: { between?: (pageNo: number) => Promise<void>; maxPages?: number } = {},
): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let cursor: string | null = null;
  for (let pages = 1; ; pages++) {
    if (pages > (opts.maxPages ?? 1000)) throw new Error(`${path} never ended`);
    const sep = path.includes('?') ? '&' : '?';
    const r: { status: number; body: any } = await api('GET', cursor ? `${path}${sep}cursor=${cursor}` : path);
    if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    rows.push(...(r.body[key] as T[]));
    cursor = r.body.nextCursor;
    if (cursor === null) return { rows, pages };
    await opts.between?.(pages);
  }
}
