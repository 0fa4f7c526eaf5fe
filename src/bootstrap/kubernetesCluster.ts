import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '../../compute/kubernetes/client';
import { isStatus } from '../../compute/kubernetes/tenantNamespace';
import { getFreePort } from '../../compute/local/freePort';
import type { Logger } from '../logger';
import { startClusterProcess, waitUntil as until, type ClusterProcess } from './clusterProcess';
import { startRealNode, type RealNode, type RealNodeOptions } from './kubernetesRealNode';
import type { KubernetesBinaries } from './kubernetesBinaries';

/**
 * A throw-away Kubernetes control plane on free loopback ports under `dir` (KUBERNETES.md §3):
 * etcd, kube-apiserver (token auth, RBAC), kube-controller-manager, kube-scheduler and kwok
 * managing fake nodes. Nothing touches the host's network: kwok pods get fake IPs, so this
 * cluster checks what Slipway asks of the API, not traffic (the real node does that).
 */
export interface KubernetesClusterOptions {
  binaries: KubernetesBinaries;
  dir: string;
  logger: Logger;
  /** Fake nodes kwok manages; each has 32 CPUs, 256 GiB and room for 110 pods. */
  fakeNodes?: number;
  /**
   * A real node beside them (kubernetesRealNode.ts: root, one per host), pulling images over
   * plain HTTP from the registries named. With `fakeNodes: 0` every pod runs for real.
   */
  realNode?: Pick<RealNodeOptions, 'insecureRegistries' | 'lockWaitMs'>;
  readyTimeoutMs?: number;
}

export interface KubernetesCluster {
  /** kubeconfig (JSON) of a cluster admin; mode 0600, it holds the admin token. */
  kubeconfigPath: string;
  server: string;
  /** PEM of the apiserver's self-signed serving certificate, to pin. */
  caData: string;
  nodeNames: string[];
  /** A client config of the admin, for tests and setup code. */
  adminConfig(): KubeConfig;
  processes(): ClusterProcess[];
  stop(): Promise<void>;
}

/** What kwok's annotation selector picks up; nodes without it are left to a real kubelet. */
export const FAKE_NODE_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' };
const SERVICE_CIDR = '10.96.0.0/16';
/** kwok hands out pod IPs from here; nothing routes to them. */
const FAKE_POD_CIDR = '10.244.0.1/24';
const DEFAULT_READY_TIMEOUT_MS = 90_000;

export async function startKubernetesCluster(options: KubernetesClusterOptions): Promise<KubernetesCluster> {
  const { binaries, dir, logger } = options;
  const pki = path.join(dir, 'pki');
  await fs.mkdir(path.join(pki, 'serving'), { recursive: true });
  const deadline = Date.now() + (options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  const started: ClusterProcess[] = [];
  let realNode: RealNode | undefined;
  const stop = async () => {
    // The node first: its drain needs the apiserver, controllers and scheduler still running.
    await realNode?.stop();
    for (const p of [...started].reverse()) await p.stop();
  };

  try {
    const saKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await fs.writeFile(path.join(pki, 'sa.key'), saKey.privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
    await fs.writeFile(path.join(pki, 'sa.pub'), saKey.publicKey.export({ type: 'spki', format: 'pem' }));
    const adminToken = randomBytes(24).toString('hex');
    await fs.writeFile(path.join(pki, 'tokens.csv'), `${adminToken},admin,uid-admin,"system:masters"\n`, { mode: 0o600 });

    const [etcdClient, etcdPeer, apiPort] = [await getFreePort(), await getFreePort(), await getFreePort()];
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcd = startClusterProcess(
      'etcd',
      binaries.etcd,
      [
        `--data-dir=${path.join(dir, 'etcd-data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--log-level=warn',
      ],
      dir,
    );
    started.push(etcd);
    await until(deadline, etcd, async () => (await getText(`${etcdUrl}/health`)).includes('"health":"true"'));

    const apiserver = startClusterProcess(
      'kube-apiserver',
      binaries['kube-apiserver'],
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${path.join(pki, 'serving')}`,
        `--token-auth-file=${path.join(pki, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${path.join(pki, 'sa.pub')}`,
        `--service-account-signing-key-file=${path.join(pki, 'sa.key')}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        '--kubelet-preferred-address-types=InternalIP,Hostname',
      ],
      dir,
    );
    started.push(apiserver);
    const server = `https://127.0.0.1:${apiPort}`;
    const certFile = path.join(pki, 'serving', 'apiserver.crt');
    await until(deadline, apiserver, async () => (await fs.stat(certFile).catch(() => null)) !== null);
    const caData = await fs.readFile(certFile, 'utf8');
    await until(deadline, apiserver, async () => (await getText(`${server}/readyz`, caData, adminToken)) === 'ok');

    const kubeconfigPath = path.join(dir, 'kubeconfig');
    await fs.writeFile(kubeconfigPath, adminKubeconfig(server, caData, adminToken), { mode: 0o600 });
    const kc = ['--kubeconfig', kubeconfigPath];
    // --secure-port=0: their health endpoints are not needed and would take fixed ports.
    started.push(
      startClusterProcess(
        'kube-controller-manager',
        binaries['kube-controller-manager'],
        [
          ...kc,
          '--leader-elect=false',
          '--secure-port=0',
          `--service-account-private-key-file=${path.join(pki, 'sa.key')}`,
          `--root-ca-file=${certFile}`,
        ],
        dir,
      ),
      startClusterProcess('kube-scheduler', binaries['kube-scheduler'], [...kc, '--leader-elect=false', '--secure-port=0'], dir),
      startClusterProcess(
        'kwok',
        binaries.kwok,
        [
          ...kc,
          '--manage-all-nodes=false',
          `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION.key}=${FAKE_NODE_ANNOTATION.value}`,
          `--cidr=${FAKE_POD_CIDR}`,
        ],
        dir,
      ),
    );

    const config = new KubeConfig();
    config.loadFromFile(kubeconfigPath);
    const core = config.makeApiClient(CoreV1Api);
    const nodeNames = Array.from({ length: options.fakeNodes ?? 1 }, (_, i) => `kwok-node-${i}`);
    const anyDied = Promise.race(started.map((p) => p.died));
    // On a loaded machine etcd can time out a write ("etcdserver: request timed out", a 500),
    // which may or may not have created the node: try again, and a node that exists is done.
    for (const name of nodeNames)
      await until(deadline, anyDied, async () => {
        try {
          await core.createNode({ body: fakeNode(name) });
        } catch (err) {
          if (!isStatus(err, 409)) throw err;
        }
        return true;
      });
    await until(deadline, anyDied, async () => {
      const nodes = await core.listNode();
      const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length >= nodeNames.length;
    });
    // Pods need the namespace's `default` ServiceAccount, which the controller manager creates.
    await until(
      deadline,
      anyDied,
      async () => (await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' })) !== null,
    );
    if (options.realNode) {
      realNode = await startRealNode({ binaries, kubeconfigPath, logger, ...options.realNode });
      nodeNames.push(realNode.name);
    }
    logger.info({ server, dir, nodes: nodeNames }, 'kubernetes cluster is up');
    return {
      kubeconfigPath,
      server,
      caData,
      nodeNames,
      adminConfig: () => {
        const c = new KubeConfig();
        c.loadFromFile(kubeconfigPath);
        return c;
      },
      processes: () => [...started, ...(realNode?.processes() ?? [])],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function adminKubeconfig(server: string, caData: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'slipway-test', cluster: { server, 'certificate-authority-data': Buffer.from(caData).toString('base64') } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'admin@slipway-test', context: { cluster: 'slipway-test', user: 'admin', namespace: 'default' } }],
    'current-context': 'admin@slipway-test',
  });
}

function fakeNode(name: string) {
  const capacity = { cpu: '32', memory: '256Gi', pods: '110' };
  return {
    metadata: {
      name,
      annotations: { [FAKE_NODE_ANNOTATION.key]: FAKE_NODE_ANNOTATION.value, 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
    },
    status: { capacity, allocatable: capacity },
  };
}

function getText(url: string, ca?: string, token?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(
      url,
      { ca, headers: token ? { authorization: `Bearer ${token}` } : {}, timeout: 2_000 },
      (res: http.IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      },
    );
    req.once('error', reject);
    req.once('timeout', () => req.destroy(new Error('timeout')));
  });
}
