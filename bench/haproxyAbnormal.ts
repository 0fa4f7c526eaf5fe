import type { AbnormalRequest } from '../traffic/haproxy/errorLog';

/**
 * What HAProxy logged as abnormal in a window, grouped by slot and termination state, so a
 * client timeout can be told apart: `CH` with a connect time = the slot accepted and did not
 * answer in time (a slow or starved app); `sC`/`SC` = the slot's address did not take the
 * connection (HAProxy's fault to send it there); `CR`/`cR` = the request never got past
 * HAProxy's front (the proxy or the machine); `--` = it ended well but was retried or
 * redispatched; nothing logged = it never reached HAProxy.
 */
export function summariseAbnormal(records: AbnormalRequest[], fromEpochMs: number, toEpochMs: number): string {
  const groups = new Map<string, { n: number; retried: number; maxConnect: number; maxTotal: number; statuses: Set<number> }>();
  for (const r of records) {
    if (r.atMs < fromEpochMs || r.atMs >= toEpochMs) continue;
    const key = `${r.backend}/${r.server} ${r.termination}`;
    const g = groups.get(key) ?? { n: 0, retried: 0, maxConnect: -1, maxTotal: -1, statuses: new Set<number>() };
    g.n++;
    if (r.retries !== '0') g.retried++;
    g.maxConnect = Math.max(g.maxConnect, r.timers.connect);
    g.maxTotal = Math.max(g.maxTotal, r.timers.total);
    g.statuses.add(r.status);
    groups.set(key, g);
  }
  if (groups.size === 0) return 'none';
  return [...groups.entries()]
    .sort((a, b) => b[1].n - a[1].n)
    .map(
      ([key, g]) =>
        `${key}×${g.n} (status ${[...g.statuses].join('/')}, ${g.retried} retried, connect ≤ ${g.maxConnect} ms, total ≤ ${g.maxTotal} ms)`,
    )
    .join('; ');
}
