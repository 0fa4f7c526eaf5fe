import pino from 'pino';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '../../compute/kubernetes/client';
import { createKubernetesComputeProvider } from '../../compute/kubernetes/kubernetesProvider';
import { LABELS, revisionLabel, revisionObjectName, revisionSecretName, tenantNamespace } from '../../compute/kubernetes/names';
import { ensureTenantNamespace, tenantKubeConfig } from '../../compute/kubernetes/tenantNamespace';
import { RevisionStartError, type ComputeProvider, type RevisionSpec } from '../../ports/compute';
import { CLUSTER_SETUP_TIMEOUT_MS, startTestCluster, type TestCluster } from '../helpers/kubernetesCluster';

/**
 * The kubernetes provider against a real apiserver, controller manager and scheduler with a
 * kwok node (pods are scheduled and reported Running/Ready, but no container runs). Traffic
 * and image pulls need the real node; everything Slipway asks of the API is checked here.
 */
const logger = pino({ level: 'silent' });
// Never pulled on a kwok node; pinned like every image Slipway runs.
const IMAGE = `registry.invalid/hello@sha256:${'a'.repeat(64)}`;
const SECRET_VALUE = 'hunter2-do-not-leak';
const FORBIDDEN = { code: 403 };

let cluster: TestCluster;
let admin: KubeConfig;
let provider: ComputeProvider;

const spec = (key: string, over: Partial<RevisionSpec> = {}): RevisionSpec => ({
  key,
  deploymentId: 'dep-k8s',
  tenantId: 'tenant-a',
  service: 'web',
  program: { kind: 'image', image: IMAGE },
  env: { GREETING: 'hello', API_TOKEN: SECRET_VALUE },
  portEnv: 'PORT',
  containerPort: 8080,
  ...over,
});

const newProvider = () => createKubernetesComputeProvider({ kubeConfig: admin, logger, startWatchMs: 15_000 });

beforeAll(async () => {
  cluster = await startTestCluster();
  admin = cluster.adminConfig();
  provider = newProvider();
}, CLUSTER_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await cluster?.stop();
});

describe('lifecycle', () => {
  const key = 'dep-k8s-blue-1.0.0-c1-op1-r0';

  test('start creates an available Deployment in the tenant namespace and answers with its Service', async () => {
    const running = await provider.start(spec(key));
    const namespace = tenantNamespace('tenant-a');
    const apps = admin.makeApiClient(AppsV1Api);
    const deployment = await apps.readNamespacedDeployment({ name: revisionObjectName(key), namespace });
    expect(deployment.status?.availableReplicas).toBe(1);
    expect(deployment.metadata?.labels).toMatchObject({
      [LABELS.revision]: revisionLabel(key),
      [LABELS.deployment]: 'dep-k8s',
      [LABELS.slot]: 'blue',
      [LABELS.service]: 'web',
    });
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe(IMAGE);
    const service = await admin.makeApiClient(CoreV1Api).readNamespacedService({ name: revisionObjectName(key), namespace });
    expect(running.endpoint).toEqual({ host: service.spec?.clusterIP, port: 8080 });
    expect(running.endpoint.host).toMatch(/^10\.96\./);
  });

  test('a second start of the same key returns the running revision instead of a second one', async () => {
    const first = await provider.status(key);
    const again = await provider.start(spec(key));
    expect(again).toEqual(first);
    const pods = await admin
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace: tenantNamespace('tenant-a'), labelSelector: `${LABELS.revision}=${revisionLabel(key)}` });
    expect(pods.items).toHaveLength(1);
  });

  test('env reaches the pod through a Secret; no value appears in the Deployment, the pod or their annotations', async () => {
    const namespace = tenantNamespace('tenant-a');
    const core = admin.makeApiClient(CoreV1Api);
    const deployment = await admin.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: revisionObjectName(key), namespace });
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `${LABELS.revision}=${revisionLabel(key)}` });
    expect(JSON.stringify(deployment)).not.toContain(SECRET_VALUE);
    expect(JSON.stringify(pods.items)).not.toContain(SECRET_VALUE);
    const container = deployment.spec?.template.spec?.containers[0];
    expect(container?.env ?? []).toEqual([]);
    expect(container?.envFrom).toEqual([{ secretRef: { name: revisionSecretName(key) } }]);
    const secret = await core.readNamespacedSecret({ name: revisionSecretName(key), namespace });
    expect(Buffer.from(secret.data?.API_TOKEN ?? '', 'base64').toString()).toBe(SECRET_VALUE);
    expect(Buffer.from(secret.data?.PORT ?? '', 'base64').toString()).toBe('8080');
    expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: revisionObjectName(key) });
  });

  test('a new provider instance (a new worker) finds and adopts what runs', async () => {
    const fresh = newProvider();
    expect(await fresh.list('dep-k8s')).toEqual([key]);
    expect(await fresh.status(key)).toEqual(await provider.status(key));
    expect(await fresh.start(spec(key))).toEqual(await provider.status(key));
  });

  test('stop deletes the revision and resolves once its pods are gone; a second stop is quiet', async () => {
    const namespace = tenantNamespace('tenant-a');
    await newProvider().stop(key, { graceMs: 1_000 });
    const core = admin.makeApiClient(CoreV1Api);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `${LABELS.revision}=${revisionLabel(key)}` });
    expect(pods.items).toHaveLength(0);
    for (const read of [
      () => admin.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: revisionObjectName(key), namespace }),
      () => core.readNamespacedSecret({ name: revisionSecretName(key), namespace }),
      () => core.readNamespacedService({ name: revisionObjectName(key), namespace }),
    ]) {
      await expect(read()).rejects.toMatchObject({ code: 404 });
    }
    expect(await provider.status(key)).toBeNull();
    expect(await provider.list('dep-k8s')).toEqual([]);
    await expect(provider.stop(key, { graceMs: 1_000 })).resolves.toBeUndefined();
  });
});

describe('failures a cluster adds', () => {
  test('a pod no node can hold fails the start with the FailedScheduling reason', async () => {
    const start = provider.start(spec('dep-k8s-green-2.0.0-c1-op2-r0', { resources: { cpus: 64, memoryMb: 128 } }));
    await expect(start).rejects.toThrow(RevisionStartError);
    await expect(start).rejects.toThrow(/FailedScheduling: 0\/1 nodes are available: 1 Insufficient cpu/);
    // Stuck, not merely slow: status says nothing serves, so a readiness wait ends at once.
    expect(await provider.status('dep-k8s-green-2.0.0-c1-op2-r0')).toBeNull();
    await provider.stop('dep-k8s-green-2.0.0-c1-op2-r0', { graceMs: 0 });
  });

  test('a namespace quota that refuses the pod fails the start with the quota message', async () => {
    const namespace = await ensureTenantNamespace(admin, 'tenant-quota');
    await admin.makeApiClient(CoreV1Api).createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } },
    });
    const key = 'dep-q-blue-1.0.0-c1-op1-r0';
    const start = provider.start(spec(key, { tenantId: 'tenant-quota', deploymentId: 'dep-q' }));
    await expect(start).rejects.toThrow(RevisionStartError);
    await expect(start).rejects.toThrow(/FailedCreate: .*exceeded quota: no-pods/);
    await provider.stop(key, { graceMs: 0 });
  });

  test.each([
    ['an artifact release', { program: { kind: 'artifact' as const, artifactDir: '/nope', command: ['node'] } }, /runs images/],
    ['an image by tag', { program: { kind: 'image' as const, image: 'registry.invalid/hello:latest' } }, /not pinned by digest/],
  ])('%s is refused before anything is created', async (_name, over, message) => {
    await expect(provider.start(spec('dep-bad-blue-1-c1-op-r0', over))).rejects.toThrow(message);
    expect(await provider.list('dep-k8s')).toEqual([]);
  });
});

describe('the tenant identity Slipway acts as inside a namespace', () => {
  test('works in its own namespace and is forbidden in every other one', async () => {
    await provider.start(spec('dep-b-blue-1-c1-op-r0', { tenantId: 'tenant-b', deploymentId: 'dep-b' }));
    const own = tenantNamespace('tenant-a');
    const other = tenantNamespace('tenant-b');
    await ensureTenantNamespace(admin, 'tenant-a');
    const { config } = await tenantKubeConfig(admin, own);
    const core = config.makeApiClient(CoreV1Api);
    const apps = config.makeApiClient(AppsV1Api);

    await expect(core.listNamespacedPod({ namespace: own })).resolves.toBeDefined();
    await expect(core.listNamespacedPod({ namespace: other })).rejects.toMatchObject(FORBIDDEN);
    await expect(core.listNamespacedSecret({ namespace: other })).rejects.toMatchObject(FORBIDDEN);
    await expect(
      apps.deleteNamespacedDeployment({ name: revisionObjectName('dep-b-blue-1-c1-op-r0'), namespace: other }),
    ).rejects.toMatchObject(FORBIDDEN);
    await expect(core.listNamespacedSecret({ namespace: 'default' })).rejects.toMatchObject(FORBIDDEN);
    await expect(core.listNamespacedSecret({ namespace: 'kube-system' })).rejects.toMatchObject(FORBIDDEN);
    await expect(core.createNamespace({ body: { metadata: { name: 'grab' } } })).rejects.toMatchObject(FORBIDDEN);
    await expect(core.listSecretForAllNamespaces()).rejects.toMatchObject(FORBIDDEN);
    // Its own Role cannot be widened from inside.
    await expect(
      core.createNamespacedServiceAccountToken({ name: 'slipway', namespace: own, body: { spec: { audiences: [] } } }),
    ).rejects.toMatchObject(FORBIDDEN);
    await provider.stop('dep-b-blue-1-c1-op-r0', { graceMs: 0 });
  });
});
