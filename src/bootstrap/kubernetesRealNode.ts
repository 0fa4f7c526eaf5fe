import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '../../compute/kubernetes/client';
import { getFreePort } from '../../compute/local/freePort';
import { pidExists } from '../../compute/local/processInfo';
import type { Logger } from '../logger';
import { ensureAptPackages } from './aptPackages';
import { acquireHostLock, type HostLock } from './hostLock';
import { startClusterProcess, waitUntil as until, type ClusterProcess } from './clusterProcess';
import type { KubernetesBinaries } from './kubernetesBinaries';
import { cleanNodeLeftovers, processesUnder, type NodeLeftovers } from './nodeHostCleanup';
import { writePauseImageArchive } from './pauseImage';

const run = promisify(execFile);

/**
 * A real node for the throw-away cluster (KUBERNETES.md §4): containerd from Debian, kubelet and
 * kube-proxy from the cached build, pods on a CNI bridge with host-local addresses. Pods are
 * real runc containers whose images containerd pulls from a registry, and a Service's ClusterIP
 * is reachable from this host through kube-proxy's iptables rules.
 *
 * One per host: the bridge, the pod range and the KUBE-* chains are host-wide, so the node lives
 * in one fixed directory under a host-wide lock: a second start waits for the first owner to
 * stop (up to `lockWaitMs`, default: refuse at once).
 */
export const REAL_NODE_NAME = 'real-node-0';
/** The apiserver's --service-cluster-ip-range (kubernetesCluster.ts). */
const SERVICE_CIDR = '10.96.0.0/16';
export const REAL_NODE_POD_CIDR = '10.245.0.0/24';
export const REAL_NODE_BRIDGE = 'kbr0';
/**
 * The node's IP is the bridge's own address: kubelet refuses a loopback node IP, and this one
 * exists on this host only, so the kubelet API (anonymous, AlwaysAllow) is not on the network.
 */
export const REAL_NODE_IP = '10.245.0.1';
export const REAL_NODE_DIR = path.join(os.tmpdir(), 'slipway-kubernetes-node');
export const REAL_NODE_LEFTOVERS: NodeLeftovers = {
  dir: REAL_NODE_DIR,
  bridge: REAL_NODE_BRIDGE,
  serviceCidr: SERVICE_CIDR,
  runcRoot: path.join(REAL_NODE_DIR, 'runc'),
};

const PACKAGES = ['containerd', 'containernetworking-plugins', 'catatonit', 'iptables'] as const;
const CNI_BIN_DIR = '/usr/lib/cni';
const KUBELET_GUARD_CHAIN = 'KUBE-SLIPWAY-KUBELET-GUARD';
const SERVICE_GUARD_CHAIN = 'KUBE-SLIPWAY-SVC-GUARD';
const OWNER_FILE = path.join(REAL_NODE_DIR, 'owner');
/** Outside the node's directory, which the clean-up removes; /run is root's. */
const LOCK_FILE = '/run/slipway-kubernetes-node.lock';
const POLL_MS = 250;
/** Pods still on the node at stop get this long to go through kubelet (CNI DEL, unmounts) before the forced clean-up. */
const DRAIN_MS = 20_000;

export class KubernetesNodeUnavailableError extends Error {
  override name = 'KubernetesNodeUnavailableError';
}

export interface RealNodeOptions {
  binaries: KubernetesBinaries;
  /** An admin kubeconfig of the control plane (kubelet registers the node with it). */
  kubeconfigPath: string;
  logger: Logger;
  /** `host:port` of registries containerd pulls from over plain HTTP (the loopback test registry). */
  insecureRegistries?: string[];
  readyTimeoutMs?: number;
  /** How long to wait while another process runs the host's node (0: refuse at once). */
  lockWaitMs?: number;
}

export interface RealNode {
  name: string;
  processes(): ClusterProcess[];
  stop(): Promise<void>;
}

export async function startRealNode(options: RealNodeOptions): Promise<RealNode> {
  const { binaries, kubeconfigPath, logger } = options;
  if (process.getuid?.() !== 0) {
    throw new KubernetesNodeUnavailableError('a real Kubernetes node needs root (kubelet, containerd, iptables, mounts); run as root');
  }
  await ensureAptPackages({
    packages: PACKAGES,
    binaries: ['containerd', 'ctr', 'containerd-shim-runc-v2', 'runc', 'catatonit', 'iptables', 'bridge', 'host-local', 'loopback'],
    extraDirs: { bridge: [CNI_BIN_DIR], 'host-local': [CNI_BIN_DIR], loopback: [CNI_BIN_DIR] },
    error: KubernetesNodeUnavailableError,
  });
  const lock = await claimHost(logger, options.lockWaitMs ?? 0);
  const exitHook = () => cleanNodeLeftovers(REAL_NODE_LEFTOVERS);
  process.once('exit', exitHook);

  const started: ClusterProcess[] = [];
  const admin = new KubeConfig();
  admin.loadFromFile(kubeconfigPath);
  const core = admin.makeApiClient(CoreV1Api);
  const stop = async () => {
    await drainNode(core, logger).catch((err: unknown) => logger.warn({ err }, 'real node: draining pods failed; cleaning up by force'));
    for (const p of [...started].reverse()) await p.stop();
    cleanNodeLeftovers(REAL_NODE_LEFTOVERS);
    process.removeListener('exit', exitHook);
    await lock.release();
  };
  try {
    const dir = REAL_NODE_DIR;
    const ctrd = path.join(dir, 'containerd');
    const socket = path.join(ctrd, 'containerd.sock');
    await fs.mkdir(path.join(ctrd, 'cni'), { recursive: true });
    await fs.mkdir(path.join(ctrd, 'certs.d'), { recursive: true });
    // A copy inside the node's directory: every node process then names that directory (processesUnder).
    const kubeconfig = path.join(dir, 'kubeconfig');
    await fs.copyFile(kubeconfigPath, kubeconfig);
    await fs.chmod(kubeconfig, 0o600);
    const pause = await writePauseImageArchive(path.join(dir, 'pause.oci.tar'));
    await fs.writeFile(path.join(ctrd, 'config.toml'), containerdConfig(dir, socket, pause.ref));
    await fs.writeFile(path.join(ctrd, 'cni', '10-slipway.conflist'), cniConfig(dir));
    for (const host of options.insecureRegistries ?? []) await trustPlainHttpRegistry(ctrd, host);

    const containerd = startClusterProcess('containerd', 'containerd', ['--config', path.join(ctrd, 'config.toml')], dir);
    started.push(containerd);
    const ctr = (...args: string[]) => run('ctr', ['--address', socket, '-n', 'k8s.io', ...args], { maxBuffer: 8 * 1024 * 1024 });
    await until(Date.now() + 30_000, containerd, async () => (await ctr('version')).stdout.includes('Server'));
    await ctr('images', 'import', '--no-unpack', pause.archive);

    const kubeletPort = await getFreePort();
    await createBridge(kubeletPort);
    const kubeletDir = path.join(dir, 'kubelet');
    await fs.mkdir(kubeletDir, { recursive: true });
    await fs.writeFile(path.join(kubeletDir, 'config.yaml'), kubeletConfig(dir, socket, kubeletPort));
    const proxyHealthz = `127.0.0.1:${await getFreePort()}`;
    started.push(
      startClusterProcess(
        'kubelet',
        binaries.kubelet,
        [
          `--config=${path.join(kubeletDir, 'config.yaml')}`,
          `--kubeconfig=${kubeconfig}`,
          `--root-dir=${path.join(kubeletDir, 'root')}`,
          `--cert-dir=${path.join(kubeletDir, 'pki')}`,
          `--hostname-override=${REAL_NODE_NAME}`,
          `--node-ip=${REAL_NODE_IP}`,
          `--node-labels=type=real`,
        ],
        dir,
      ),
      startClusterProcess(
        'kube-proxy',
        binaries['kube-proxy'],
        [
          `--kubeconfig=${kubeconfig}`,
          `--hostname-override=${REAL_NODE_NAME}`,
          '--proxy-mode=iptables',
          `--cluster-cidr=${REAL_NODE_POD_CIDR}`,
          // 0: leave the host's conntrack sysctls alone (other engines share this host).
          '--conntrack-max-per-core=0',
          '--conntrack-tcp-timeout-established=0',
          '--conntrack-tcp-timeout-close-wait=0',
          // The node IP given, so kube-proxy does not wait up to 30 s for the Node to report one.
          `--bind-address=${REAL_NODE_IP}`,
          // Off: it would set route_localnet=1, a host-wide sysctl, for NodePorts nobody uses here.
          '--iptables-localhost-nodeports=false',
          '--nodeport-addresses=primary',
          `--healthz-bind-address=${proxyHealthz}`,
          `--metrics-bind-address=127.0.0.1:${await getFreePort()}`,
        ],
        dir,
      ),
    );
    const anyDied = Promise.race(started.map((p) => p.died));
    await until(Date.now() + (options.readyTimeoutMs ?? 90_000), anyDied, async () => {
      const node = await core.readNode({ name: REAL_NODE_NAME });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    });
    // kube-proxy's healthz answers 200 once it has written the Service rules: ClusterIPs work from then on.
    await until(Date.now() + 30_000, anyDied, async () => (await fetch(`http://${proxyHealthz}/healthz`)).ok);
    logger.info({ node: REAL_NODE_NAME, dir }, 'real kubernetes node is up');
    return { name: REAL_NODE_NAME, processes: () => [...started], stop };
  } catch (err) {
    const tails = await Promise.all(started.map(async (p) => `--- ${p.name} ---\n${await p.tail(15)}`));
    await stop();
    throw new KubernetesNodeUnavailableError(`the real node did not come up: ${String(err)}\n${tails.join('\n')}`);
  }
}

/** Waits for (or refuses) a node another process runs here; clears what a crashed earlier owner left. */
async function claimHost(logger: Logger, waitMs: number): Promise<HostLock> {
  const holder = () => {
    const owner = existsSync(OWNER_FILE) ? Number.parseInt(readFileSync(OWNER_FILE, 'utf8'), 10) : NaN;
    return Number.isInteger(owner) && pidExists(owner) ? `process ${owner}` : 'another process';
  };
  const lock = await acquireHostLock({
    path: LOCK_FILE,
    waitMs,
    onWait: () => logger.info({ holder: holder(), waitMs }, 'real node: waiting for the node another process runs on this host'),
    unavailable: (why) =>
      new KubernetesNodeUnavailableError(
        `${holder()} runs the real Kubernetes node on this host (${REAL_NODE_DIR}); one at a time, as the bridge and the KUBE-* iptables chains are host-wide (${why})`,
      ),
  });
  if (existsSync(REAL_NODE_DIR) || processesUnder(REAL_NODE_DIR).length > 0) {
    logger.warn({ dir: REAL_NODE_DIR }, 'cleaning up after a real node that was not stopped');
  }
  cleanNodeLeftovers(REAL_NODE_LEFTOVERS);
  mkdirSync(REAL_NODE_DIR, { recursive: true });
  writeFileSync(OWNER_FILE, String(process.pid));
  return lock;
}

/** Cordon, then delete what runs here, so kubelet tears pods down properly (CNI DEL, unmounts) while it still runs. */
async function drainNode(core: CoreV1Api, logger: Logger): Promise<void> {
  await core.patchNode(
    { name: REAL_NODE_NAME, body: { spec: { unschedulable: true } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const onNode = async () => (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${REAL_NODE_NAME}` })).items;
  for (const pod of await onNode()) {
    await core
      .deleteNamespacedPod({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, gracePeriodSeconds: 1 })
      .catch(() => undefined);
  }
  const deadline = Date.now() + DRAIN_MS;
  let left = await onNode();
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(POLL_MS);
    left = await onNode();
  }
  if (left.length > 0) logger.warn({ pods: left.length }, 'real node: pods still there after the drain; removing them by force');
}

function containerdConfig(dir: string, socket: string, sandboxImage: string): string {
  const ctrd = path.join(dir, 'containerd');
  const q = JSON.stringify;
  return `version = 2
root = ${q(path.join(ctrd, 'root'))}
state = ${q(path.join(ctrd, 'state'))}

[grpc]
  address = ${q(socket)}

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(path.join(ctrd, 'opt'))}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${q(sandboxImage)}
  # No AppArmor profile is loaded here.
  disable_apparmor = true
  # Without it every sandbox fails: there is no CAP_SYS_RESOURCE to lower oom_score_adj.
  restrict_oom_score_adj = true
  # Pod network namespaces under the node's directory: the clean-up finds them with its mounts.
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${q(CNI_BIN_DIR)}
    conf_dir = ${q(path.join(ctrd, 'cni'))}

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = ${q(path.join(ctrd, 'certs.d'))}

  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      Root = ${q(REAL_NODE_LEFTOVERS.runcRoot)}
`;
}

/**
 * The bridge exists before kubelet starts, so the node IP does; the CNI plugin takes it as it is.
 * Pods are refused the kubelet port (its chain is KUBE-*, so the clean-up removes it).
 */
async function createBridge(kubeletPort: number): Promise<void> {
  const ip = (...args: string[]) => run('ip', args);
  await ip('link', 'add', REAL_NODE_BRIDGE, 'type', 'bridge');
  await ip('addr', 'add', `${REAL_NODE_IP}/24`, 'dev', REAL_NODE_BRIDGE);
  await ip('link', 'set', REAL_NODE_BRIDGE, 'up');
  // A ClusterIP kube-proxy has no rule for yet must fail here, not leave by the default route: a
  // connection some upstream proxy accepted would stay in a keep-alive pool past the DNAT rule.
  // Routed to the bridge (so kube-proxy's OUTPUT DNAT still runs), then refused if not DNAT'd.
  await ip('route', 'add', SERVICE_CIDR, 'dev', REAL_NODE_BRIDGE);
  const ipt = (...args: string[]) => run('iptables', ['-w', '5', ...args]);
  await ipt('-N', KUBELET_GUARD_CHAIN);
  await ipt('-A', KUBELET_GUARD_CHAIN, '-i', REAL_NODE_BRIDGE, '-p', 'tcp', '--dport', String(kubeletPort), '-j', 'REJECT');
  await ipt('-I', 'INPUT', '-j', KUBELET_GUARD_CHAIN);
  await ipt('-N', SERVICE_GUARD_CHAIN);
  await ipt('-A', SERVICE_GUARD_CHAIN, '-d', SERVICE_CIDR, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset');
  await ipt('-A', 'OUTPUT', '-j', SERVICE_GUARD_CHAIN);
}

/** A bridge with host-local addresses; no masquerade or port maps, so CNI adds no iptables rules of its own. */
function cniConfig(dir: string): string {
  return JSON.stringify({
    cniVersion: '0.4.0',
    name: 'slipway-kbr0',
    plugins: [
      {
        type: 'bridge',
        bridge: REAL_NODE_BRIDGE,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: REAL_NODE_POD_CIDR }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: path.join(dir, 'cni-ipam'),
        },
      },
    ],
  });
}

/** containerd reads certs.d/<host>/hosts.toml at each pull, as it would for a production mirror. */
async function trustPlainHttpRegistry(ctrd: string, host: string): Promise<void> {
  const hostDir = path.join(ctrd, 'certs.d', host);
  await fs.mkdir(hostDir, { recursive: true });
  await fs.writeFile(
    path.join(hostDir, 'hosts.toml'),
    `server = "http://${host}"\n\n[host."http://${host}"]\n  capabilities = ["pull", "resolve"]\n`,
  );
}

function kubeletConfig(dir: string, socket: string, port: number): string {
  return JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    containerRuntimeEndpoint: `unix://${socket}`,
    address: REAL_NODE_IP,
    port,
    // 0 disables them: no fixed ports on a shared host.
    healthzPort: 0,
    readOnlyPort: 0,
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    // cgroup v1 without systemd as PID 1, and no CAP_SYS_RESOURCE: the settings of KUBERNETES.md §4.
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    failSwapOn: false,
    cgroupsPerQOS: false,
    enforceNodeAllocatable: [],
    localStorageCapacityIsolation: false,
    evictionHard: {},
    podLogsDir: path.join(dir, 'pod-logs'),
    serializeImagePulls: false,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
