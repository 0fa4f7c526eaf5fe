import pino from 'pino';
import { CoreV1Api, DiscoveryV1Api, type KubeConfig } from '../../compute/kubernetes/client';
import { createKubernetesComputeProvider } from '../../compute/kubernetes/kubernetesProvider';
import { LABELS, deploymentServiceName, revisionLabel, tenantNamespace } from '../../compute/kubernetes/names';
import { FailureType } from '../../domain/failures';
import type { ComputeProvider, RevisionSpec, RunningRevision } from '../../ports/compute';
import type { RouteSpec, TrafficRouter } from '../../ports/traffic';
import { createKubernetesRouter } from '../../traffic/kubernetes/kubernetesRouter';
import { CLUSTER_SETUP_TIMEOUT_MS, startTestCluster, type TestCluster } from '../helpers/kubernetesCluster';

/**
 * The kubernetes router on kwok nodes: kwok pods are Ready with an IP, so the EndpointSlice
 * controller lists them, and a selector patch shows as slices that change, which is all this
 * router relies on (traffic through the Service is the real node's suite).
 */
const logger = pino({ level: 'silent' });
const IMAGE = `registry.invalid/hello@sha256:${'b'.repeat(64)}`;
const DEPLOYMENT = 'dep-route';
const TENANT = 'tenant-route';
const namespace = tenantNamespace(TENANT);
const service = deploymentServiceName(DEPLOYMENT);

let cluster: TestCluster;
let admin: KubeConfig;
let compute: ComputeProvider;
let router: TrafficRouter;
let blue: RunningRevision;
let green: RunningRevision;

const spec = (key: string): RevisionSpec => ({
  key,
  deploymentId: DEPLOYMENT,
  tenantId: TENANT,
  service: 'web',
  program: { kind: 'image', image: IMAGE },
  env: {},
  portEnv: 'PORT',
  containerPort: 8080,
});
const upstream = (r: RunningRevision, weight: number) => ({ key: r.key, url: `http://${r.endpoint.host}:${r.endpoint.port}`, weight });
const route = (upstreams: RouteSpec['upstreams'], suspended: RouteSpec['suspended'] = null): RouteSpec => ({
  deploymentId: DEPLOYMENT,
  hostname: 'd-route.localhost',
  upstreams,
  suspended,
});

/** The pod IPs the deployment's Service routes to, as the EndpointSlice controller sees them right now. */
async function routedIps(): Promise<string[]> {
  const slices = await admin
    .makeApiClient(DiscoveryV1Api)
    .listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` });
  return slices.items.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)).sort();
}

async function podIps(key: string): Promise<string[]> {
  const pods = await admin
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace, labelSelector: `${LABELS.revision}=${revisionLabel(key)}` });
  return pods.items.map((p) => p.status!.podIP!).sort();
}

beforeAll(async () => {
  cluster = await startTestCluster();
  admin = cluster.adminConfig();
  compute = createKubernetesComputeProvider({ kubeConfig: admin, logger });
  router = createKubernetesRouter({ kubeConfig: admin });
  blue = await compute.start(spec(`${DEPLOYMENT}-blue-1.0.0-c1-op1-r0`));
  green = await compute.start(spec(`${DEPLOYMENT}-green-2.0.0-c1-op2-r0`));
}, CLUSTER_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await cluster?.stop();
});

test('the first route creates one Service in the tenant namespace that selects the serving revision', async () => {
  await router.setRoute(route([upstream(blue, 100)]));
  const svc = await admin.makeApiClient(CoreV1Api).readNamespacedService({ name: service, namespace });
  expect(svc.spec?.selector).toEqual({ [LABELS.revision]: revisionLabel(blue.key) });
  expect(svc.metadata?.annotations?.['slipway.dev/hostname']).toBe('d-route.localhost');
  expect(await routedIps()).toEqual(await podIps(blue.key));
  expect(await router.getRoute(DEPLOYMENT)).toEqual(route([upstream(blue, 100)]));
});

test('blue-green: after the switch returns, the EndpointSlices list only the new revision, and the old one reports drained', async () => {
  await router.setRoute(route([upstream(green, 100), upstream(blue, 0)]));
  expect(await routedIps()).toEqual(await podIps(green.key));
  expect(await podIps(green.key)).not.toEqual(await podIps(blue.key));
  const stats = await router.stats(DEPLOYMENT);
  expect(stats?.upstreams.map((u) => [u.key, u.inFlight])).toEqual([
    [green.key, 0],
    [blue.key, 0],
  ]);
});

test('canary weights are refused with an error naming the routers that split traffic, and the route stays as it was', async () => {
  const attempt = router.setRoute(route([upstream(green, 90), upstream(blue, 10)]));
  await expect(attempt).rejects.toMatchObject({
    name: FailureType.UnsupportedByRouter,
    message: expect.stringMatching(/cannot weight 2 of them .*SLIPWAY_ROUTER=builtin or SLIPWAY_ROUTER=haproxy/),
  });
  expect(await routedIps()).toEqual(await podIps(green.key));
});

test('a suspended route selects no pod; resuming selects the revision again', async () => {
  await router.setRoute(route([upstream(green, 100)], { reason: 'suspended', retryAfterSeconds: 30 }));
  expect(await routedIps()).toEqual([]);
  await router.setRoute(route([upstream(green, 100)]));
  expect(await routedIps()).toEqual(await podIps(green.key));
});

test('removeRoute deletes the Service; getRoute and stats then answer null', async () => {
  await router.removeRoute(DEPLOYMENT);
  await expect(admin.makeApiClient(CoreV1Api).readNamespacedService({ name: service, namespace })).rejects.toMatchObject({ code: 404 });
  expect(await router.getRoute(DEPLOYMENT)).toBeNull();
  expect(await router.stats(DEPLOYMENT)).toBeNull();
  await expect(router.removeRoute(DEPLOYMENT)).resolves.toBeUndefined();
});
