import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Podman's default CNI bridge (10.88.0.0/16), which every Slipway container joins. */
export const CONTAINER_BRIDGE = 'cni-podman0';

/**
 * The two gaps the default bridge leaves (CONTAINERS.md §10): a container reaches host services
 * bound to 0.0.0.0 through the gateway, and other tenants' containers on their bridge IPs.
 * Published ports keep working: their replies are not NEW connections, and the router dials
 * them on the host's loopback. They sit in the mangle table because the CNI firewall plugin
 * inserts its own ACCEPTs at the top of the filter table's FORWARD chain whenever it creates the
 * network, which would shadow them.
 *
 * Each engine tags its copy with a comment naming it (`slipway-isolation <owner>`): it inserts
 * the rules once (`-C` first, so restarts add no duplicates) and deletes exactly its own when it
 * stops, so runs never pile rules up, and one engine's stop never opens the gaps under another
 * engine on the same host (the bridge is shared; a duplicate DROP costs nothing).
 */
export function isolationRules(owner: string): string[][] {
  const tag = ['-m', 'comment', '--comment', `${ISOLATION_COMMENT} ${owner}`];
  return [
    ['INPUT', '-i', CONTAINER_BRIDGE, '-m', 'conntrack', '--ctstate', 'NEW', ...tag, '-j', 'DROP'],
    ['FORWARD', '-i', CONTAINER_BRIDGE, '-o', CONTAINER_BRIDGE, ...tag, '-j', 'DROP'],
  ];
}

/** What every Slipway isolation rule's comment starts with (`iptables-save -t mangle | grep slipway-isolation`). */
export const ISOLATION_COMMENT = 'slipway-isolation';

export class EngineFirewallError extends Error {
  override readonly name = 'EngineFirewallError';
}

const mangle = (op: '-C' | '-I' | '-D', [chain, ...spec]: string[]) => run('iptables', ['-w', '-t', 'mangle', op, chain, ...spec]);
const holds = (rule: string[]) =>
  mangle('-C', rule).then(
    () => true,
    () => false,
  );

export async function ensureContainerIsolation(owner: string): Promise<void> {
  for (const rule of isolationRules(owner)) {
    if (await holds(rule)) continue;
    try {
      await mangle('-I', rule);
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim();
      throw new EngineFirewallError(`cannot add the container isolation rule \`iptables -t mangle -I ${rule.join(' ')}\` (${stderr})`);
    }
  }
}

/** Deletes this owner's rules (every copy, should a crash have left one twice); quiet when none is there. */
export async function removeContainerIsolation(owner: string): Promise<void> {
  for (const rule of isolationRules(owner)) {
    while (await holds(rule)) await mangle('-D', rule);
  }
}
