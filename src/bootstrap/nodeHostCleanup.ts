import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync, unlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * What a real node leaves on the host if it is not taken down in order (KUBERNETES.md §4):
 * runc containers, shims, KUBE-* iptables chains (KUBE-FIREWALL drops traffic to 127/8 that
 * does not come from loopback), mounts and network namespaces under its directory, and the
 * bridge. Synchronous, so the same code runs from a process `exit` hook, after a normal stop,
 * and at the next start when a previous run was killed before it could clean up.
 */
export interface NodeLeftovers {
  dir: string;
  bridge: string;
  /** The Service range, routed to the bridge on the host while the node runs. */
  serviceCidr: string;
  /** `<dir>/runc`: the runc root the node's containerd is configured with. */
  runcRoot: string;
}

const CHAIN_PREFIX = 'KUBE-';
const TABLES = ['filter', 'nat', 'mangle', 'raw'];
/** kubelet links container logs here whatever its podLogsDir. */
const CONTAINER_LOG_LINKS = '/var/log/containers';

function quiet(cmd: string, args: string[]): { ok: boolean; stdout: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: r.status === 0, stdout: r.stdout ?? '' };
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function cleanNodeLeftovers(left: NodeLeftovers): void {
  killContainers(left.runcRoot);
  killProcessesUnder(left.dir);
  for (const tool of ['iptables', 'ip6tables']) removeKubeChains(tool);
  unmountUnder(left.dir);
  quiet('ip', ['link', 'delete', left.bridge]);
  quiet('ip', ['route', 'del', left.serviceCidr]);
  removeLogLinksInto(left.dir);
  rmSync(left.dir, { recursive: true, force: true });
}

/** `runc delete --force` kills a container's processes even when its shim is gone. */
function killContainers(runcRoot: string): void {
  for (const ns of listDir(runcRoot)) {
    const root = path.join(runcRoot, ns);
    const ids = quiet('runc', ['--root', root, 'list', '-q']).stdout.split('\n').filter(Boolean);
    for (const id of ids) quiet('runc', ['--root', root, 'delete', '--force', id]);
  }
}

/**
 * containerd, its shims, kubelet and kube-proxy all name the node's directory on their command
 * line; nothing else on the host does, so this never touches another user's processes.
 */
export function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.split('\0').some((arg) => arg.includes(dir))) pids.push(pid);
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

function killProcessesUnder(dir: string): void {
  for (const pid of processesUnder(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  const deadline = Date.now() + 5_000;
  while (processesUnder(dir).length > 0 && Date.now() < deadline) spawnSync('sleep', ['0.1']);
}

/** Jumps into KUBE-* chains are deleted first, then the chains themselves, in every table. */
function removeKubeChains(tool: string): void {
  for (const table of TABLES) {
    const listed = quiet(tool, ['-w', '5', '-t', table, '-S']);
    if (!listed.ok) continue;
    const lines = listed.stdout.split('\n');
    for (const line of lines) {
      const parts = line.split(' ');
      if (parts[0] !== '-A' || parts[1].startsWith(CHAIN_PREFIX) || !parts.some((p) => p.startsWith(CHAIN_PREFIX))) continue;
      quiet(tool, ['-w', '5', '-t', table, '-D', ...splitRule(line.slice(3))]);
    }
    const chains = lines.filter((l) => l.startsWith(`-N ${CHAIN_PREFIX}`)).map((l) => l.slice(3).trim());
    for (const chain of chains) quiet(tool, ['-w', '5', '-t', table, '-F', chain]);
    for (const chain of chains) quiet(tool, ['-w', '5', '-t', table, '-X', chain]);
  }
}

/** `iptables -S` quotes arguments with spaces (comments); split like a shell would. */
function splitRule(rule: string): string[] {
  const out: string[] = [];
  for (const m of rule.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((m): m is string => Boolean(m) && (m === dir || m.startsWith(prefix)));
}

function unmountUnder(dir: string): void {
  // Deepest first; -l as a last resort for a mount some dying process still holds.
  for (let round = 0; round < 3; round++) {
    const mounts = mountsUnder(dir).sort((a, b) => b.length - a.length);
    if (mounts.length === 0) return;
    for (const m of mounts) if (!quiet('umount', [m]).ok) quiet('umount', ['-l', m]);
  }
}

function removeLogLinksInto(dir: string): void {
  for (const name of listDir(CONTAINER_LOG_LINKS)) {
    const file = path.join(CONTAINER_LOG_LINKS, name);
    try {
      if (readlinkSync(file).startsWith(dir)) unlinkSync(file);
    } catch {
      /* not a link, or gone */
    }
  }
}

/** What a check after teardown expects to be zero (tests and the README use it). */
export function nodeLeftoverCounts(left: NodeLeftovers): {
  kubeRules: number;
  mounts: number;
  processes: number;
  bridge: boolean;
  serviceRoute: boolean;
} {
  let kubeRules = 0;
  for (const tool of ['iptables', 'ip6tables']) {
    for (const table of TABLES) {
      kubeRules += quiet(tool, ['-w', '5', '-t', table, '-S'])
        .stdout.split('\n')
        .filter((l) => l.includes(CHAIN_PREFIX)).length;
    }
  }
  return {
    kubeRules,
    mounts: mountsUnder(left.dir).length,
    processes: processesUnder(left.dir).length,
    bridge: quiet('ip', ['link', 'show', left.bridge]).ok,
    serviceRoute: quiet('ip', ['route', 'show', left.serviceCidr]).stdout.trim() !== '',
  };
}
