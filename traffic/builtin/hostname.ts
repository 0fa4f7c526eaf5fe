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
