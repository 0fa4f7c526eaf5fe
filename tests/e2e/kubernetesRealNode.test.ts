import { AppsV1Api, CoreV1Api } from '../../compute/kubernetes/client';
import { LABELS, MANAGED_BY, labelValue, tenantNamespace } from '../../compute/kubernetes/names';
import { REAL_NODE_LEFTOVERS, REAL_NODE_NAME } from '../../src/bootstrap/kubernetesRealNode';
import { nodeLeftoverCounts } from '../../src/bootstrap/nodeHostCleanup';
import { apiClient, eventually } from '../helpers/apiClient';
import { answer, deployHello, helloRelease, runOperation, type Api } from '../helpers/hello';
import { CLUSTER_SETUP_TIMEOUT_MS } from '../helpers/kubernetesCluster';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { keepRequesting } from '../helpers/trafficLoop';

/**
 * The whole stack on SLIPWAY_COMPUTE=kubernetes with every pod a real runc container: the API
 * takes a release by image, containerd pulls it by digest from the registry, and the built-in
 * router sends users to the revision's Service ClusterIP, which kube-proxy's iptables rules
 * carry to the pod on the kbr0 bridge. Then teardown must leave nothing on the host.
 */
let s: SlipwayStack | undefined;
let tenant: Api;
let d: { id: string; hostname: string };
const TENANT = 'acme-k8s';

const stack = () => s as SlipwayStack;
const namespace = tenantNamespace(TENANT);
const podsOf = async (deploymentId: string) =>
  (
    await stack()
      .cluster!.adminConfig()
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace, labelSelector: `${LABELS.deployment}=${labelValue(deploymentId)}` })
  ).items.filter((p) => !p.metadata?.deletionTimestamp);

beforeAll(async () => {
  s = await startSlipwayStack({ compute: 'kubernetes', rollbackWindowSeconds: 600, readinessTimeoutSeconds: 60 });
  const admin = apiClient(s.apiUrl, s.adminToken);
  const image = s.containers!.appImage;
  tenant = apiClient(s.apiUrl, await s.tenantToken(TENANT));
  expect((await admin('POST', '/api/apps', { slug: 'hello' })).status).toBe(201);
  expect((await admin('POST', '/api/apps/hello/releases', helloRelease(1, { image }))).status).toBe(201);
  expect((await admin('POST', '/api/apps/hello/releases', helloRelease(2, { image }))).status).toBe(201);
}, CLUSTER_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await s?.close();
});

test('a deploy by image runs a real pod on the real node, pulled by digest, and the router reaches it', async () => {
  d = await deployHello(tenant, { version: '1.0.0', env: { GREETING: 'hello' } });
  const r = await answer(stack(), d.hostname);
  expect(r.status).toBe(200);
  expect(r.json).toMatchObject({ version: '1.0.0', greeting: 'hello' });
  const [pod] = await podsOf(d.id);
  expect(pod.spec?.nodeName).toBe(REAL_NODE_NAME);
  expect(pod.status?.podIP).toMatch(/^10\.245\.0\./);
  // The pod's host name is its own name: the answer came from that container.
  expect(r.json.instance).toMatch(new RegExp(`^${pod.metadata!.name}:`));
  expect(pod.status?.containerStatuses?.[0]?.imageID).toContain(stack().containers!.appImage.split('@')[1]);
});

test('a blue-green upgrade under traffic fails no request and leaves the old revision warm', async () => {
  const traffic = keepRequesting(stack().proxyPort, d.hostname);
  const op = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
  const report = await traffic.stop();
  expect(op).toMatchObject({ kind: 'upgrade', status: 'succeeded', fromVersion: '1.0.0', toVersion: '2.0.0' });
  expect(report.failures).toEqual([]);
  expect(report.versions.get('2.0.0')).toBeGreaterThan(0);
  expect((await answer(stack(), d.hostname)).json.version).toBe('2.0.0');
  expect(await podsOf(d.id)).toHaveLength(2);
});

test('a rollback to the warm revision is a traffic switch with no failed request', async () => {
  const traffic = keepRequesting(stack().proxyPort, d.hostname);
  const op = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/rollback`);
  const report = await traffic.stop();
  expect(op).toMatchObject({ kind: 'rollback', status: 'succeeded', toVersion: '1.0.0' });
  expect(report.failures).toEqual([]);
  expect((await answer(stack(), d.hostname)).json.version).toBe('1.0.0');
});

test('a restart runs a new pod of the same release and switches to it with no failed request', async () => {
  const before = (await answer(stack(), d.hostname)).json.instance;
  const traffic = keepRequesting(stack().proxyPort, d.hostname);
  const op = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/restart`);
  const report = await traffic.stop();
  expect(op).toMatchObject({ kind: 'restart', status: 'succeeded' });
  expect(report.failures).toEqual([]);
  const after = (await answer(stack(), d.hostname)).json;
  expect(after.version).toBe('1.0.0');
  expect(after.instance).not.toBe(before);
});

test('destroy removes every object of the deployment from the tenant namespace', async () => {
  const op = await runOperation(tenant, 'POST', `/api/deployments/${d.id}/destroy`, { confirm: d.id });
  expect(op.status).toBe('succeeded');
  const admin = stack().cluster!.adminConfig();
  const selectorOf = `${MANAGED_BY.key}=${MANAGED_BY.value},${LABELS.deployment}=${labelValue(d.id)}`;
  await eventually('the pods to be gone', async () => ((await podsOf(d.id)).length === 0 ? true : undefined), 60_000);
  const core = admin.makeApiClient(CoreV1Api);
  expect((await admin.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace, labelSelector: selectorOf })).items).toEqual([]);
  expect((await core.listNamespacedService({ namespace, labelSelector: selectorOf })).items).toEqual([]);
  expect((await core.listNamespacedSecret({ namespace, labelSelector: selectorOf })).items).toEqual([]);
  expect((await answer(stack(), d.hostname)).status).toBe(404);
});

test('stopping the stack leaves no KUBE iptables rule, mount, netns, node process, bridge or route behind', async () => {
  await stack().close();
  s = undefined;
  expect(nodeLeftoverCounts(REAL_NODE_LEFTOVERS)).toEqual({ kubeRules: 0, mounts: 0, processes: 0, bridge: false, serviceRoute: false });
});
