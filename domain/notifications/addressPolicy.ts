import ipaddr from 'ipaddr.js';

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses `10.0.0.0/8,fd00::/8`; throws naming the first entry that is not a CIDR. */
export function parseCidrList(list: string): Cidr[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      try {
        return ipaddr.parseCIDR(s);
      } catch {
        throw new Error(`"${s}" is not a CIDR such as 10.0.0.0/8`);
      }
    });
}

/**
 * Whether a tenant's webhook may reach this address. Only public unicast is open by default:
 * loopback, private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT,
 * unique-local and reserved ranges are where a platform's own services live, and a tenant
 * must not be able to make the worker POST to them. The operator opens specific ranges
 * with SLIPWAY_NOTIFICATION_ALLOWED_CIDRS.
 */
export function tenantMayReach(address: string, allowed: readonly Cidr[]): { ok: true } | { ok: false; reason: string } {
  if (!ipaddr.isValid(address)) return { ok: false, reason: `${address} is not an IP address` };
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (allowed.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits))) return { ok: true };
  const range = ip.range();
  if (range === 'unicast') return { ok: true };
  return { ok: false, reason: `${address} is a ${range} address; tenant webhooks reach public addresses only` };
}

/** For a URL's host at subscription time: an IP literal is judged now, a name when it resolves. */
export function literalHostVerdict(host: string, allowed: readonly Cidr[]): { ok: true } | { ok: false; reason: string } {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare.toLowerCase() === 'localhost' || bare.toLowerCase().endsWith('.localhost'))
    return { ok: false, reason: `${host} is this machine; tenant webhooks reach public addresses only` };
  return ipaddr.isValid(bare) ? tenantMayReach(bare, allowed) : { ok: true };
}
