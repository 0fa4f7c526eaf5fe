/**
 * Turns a Host header (or a route's hostname) into the key of the hostname index:
 * lowercase, no port, no trailing dot. `[::1]:8080` keeps its brackets so IPv6
 * literals stay distinct from a host:port pair.
 */
export function normalizeHost(host: string | undefined | null): string {
  if (!host) return '';
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  if (colon !== -1) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/**
 * Node keeps the first of repeated Host headers and drops the rest; a request that
 * carries two is ambiguous about where it goes, so callers refuse it.
 */
export function hostHeaderCount(rawHeaders: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].length === 4 && rawHeaders[i].toLowerCase() === 'host') n++;
  return n;
}
