import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Podman's default CNI bridge (10.88.0.0/16), which every Slipway container joins. */
export const CONTAINER_BRIDGE = 'cni-podman0';

/**
 * The two gaps the default bridge leaves (CONTAINERS.md §10): a container reaches host services
 * bound to 0.0.0.0 through the gateway, and other tenants' containers on their bridge IPs.
 * Published ports keep working: their replies are not NEW connections, and the router dials
 * them on the host's loopback. Inserted once (`-C` first), so restarts add no duplicates. They sit
 * in the mangle table because the CNI firewall plugin inserts its own ACCEPTs at the top of the
 * filter table's FORWARD chain whenever it creates the network, which would shadow them.
 */
export const ISOLATION_RULES: string[][] = [
  ['INPUT', '-i', CONTAINER_BRIDGE, '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP'],
  ['FORWARD', '-i', CONTAINER_BRIDGE, '-o', CONTAINER_BRIDGE, '-j', 'DROP'],
];

export class EngineFirewallError extends Error {
  override readonly name = 'EngineFirewallError';
}

export async function ensureContainerIsolation(): Promise<void> {
  for (const rule of ISOLATION_RULES) {
    const [chain, ...spec] = rule;
    try {
      await run('iptables', ['-w', '-t', 'mangle', '-C', chain, ...spec]);
      continue;
    } catch {
      /* not there yet */
    }
    try {
      await run('iptables', ['-w', '-t', 'mangle', '-I', chain, ...spec]);
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim();
      throw new EngineFirewallError(`cannot add the container isolation rule \`iptables -I ${rule.join(' ')}\` (${stderr})`);
    }
  }
}
