import http from 'node:http';
import { CoreV1Api } from '../../compute/kubernetes/client';
import { LABELS, labelValue } from '../../compute/kubernetes/names';
import { eventually } from '../helpers/apiClient';
import { deployHello, helloRelease, runOperation } from '../helpers/hello';
import { useHelloStack } from '../helpers/helloStack';
import { CLUSTER_SETUP_TIMEOUT_MS } from '../helpers/kubernetesCluster';
import { keepRequesting } from '../helpers/trafficLoop';

/**
 * The whole stack with SLIPWAY_ROUTER=kubernetes on the real node: Slipway runs no proxy, users
 * reach one Service per deployment, and a blue-green switch is a patch of that Service's
 * selector, which kube-proxy follows from the EndpointSlices. A canary needs weights, which a
 * selector cannot give, so it fails with the routers that can.
 */
const h = useHelloStack(
  (st) => [helloRelease(1, { image: st.containers!.appImage }), helloRelease(2, { image: st.containers!.appImage })],
  { compute: 'kubernetes', router: 'kubernetes', readinessTimeoutSeconds: 60 },
  { tenantId: 'acme-svc', timeoutMs: CLUSTER_SETUP_TIMEOUT_MS },
);
let d: { id: string; hostname: string };

/** The deployment's Service (the route), as users reach it: ClusterIP and port. */
async function serviceAddress(deploymentId: string): Promise<{ host: string; port: number }> {
  const core = h.s.cluster!.adminConfig().makeApiClient(CoreV1Api);
  const found = await core.listServiceForAllNamespaces({ labelSelector: `${LABELS.route}=${labelValue(deploymentId)}` });
  expect(found.items).toHaveLength(1);
  const spec = found.items[0].spec!;
  return { host: spec.clusterIP!, port: spec.ports![0].port };
}

/**
 * The version a NEW connection to the Service gets. kube-proxy picks the pod per connection, so
 * a pooled keep-alive connection (fetch's) would keep answering from the pod it was opened to.
 */
async function servedVersion(deploymentId: string): Promise<string> {
  const { host, port } = await serviceAddress(deploymentId);
  const body = await new Promise<string>((resolve, reject) => {
    http
      .get({ host, port, path: '/', agent: false, timeout: 5_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      })
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error('no answer from the Service within 5 s'));
      })
      .on('error', reject);
  });
  return (JSON.parse(body) as { version: string }).version;
}

test('a deploy is reachable through its Service, and a blue-green upgrade patches the selector with no failed request', async () => {
  d = await deployHello(h.tenant, { version: '1.0.0', env: { GREETING: 'svc' } });
  // kube-proxy writes the Service's rules a moment after the API has it.
  await eventually('the Service to answer', async () => ((await servedVersion(d.id).catch(() => null)) === '1.0.0' ? true : undefined));
  const { host, port } = await serviceAddress(d.id);
  const traffic = keepRequesting(port, d.hostname, 120_000, host);
  const op = await runOperation(h.tenant, 'POST', `/api/deployments/${d.id}/upgrade`, { version: '2.0.0' });
  const report = await traffic.stop();
  expect(op).toMatchObject({ kind: 'upgrade', status: 'succeeded', toVersion: '2.0.0' });
  expect(report.failures).toEqual([]);
  expect(report.versions.get('1.0.0')).toBeGreaterThan(0);
  // New connections reach the new pod. The loop's one kept-alive connection may not: kube-proxy
  // picks the pod per connection (DNAT at connect), so it stays on the old pod, still warm, until
  // it closes. The switch returned once the EndpointSlices listed only the new pod; kube-proxy
  // rewrites the node's rules from them a moment later (its sync), so the first new connection
  // may still land on the old pod, which serves it: hence "within seconds", not "at once".
  await eventually('a new connection to reach 2.0.0', async () => ((await servedVersion(d.id)) === '2.0.0' ? true : undefined), 15_000);
  // The same Service, its selector moved: users keep the address.
  expect(await serviceAddress(d.id)).toEqual({ host, port });
});

test('a canary is refused with the routers that can weight traffic named, and the serving revision keeps serving', async () => {
  const op = await runOperation(h.tenant, 'POST', `/api/deployments/${d.id}/upgrade`, {
    version: '1.0.0',
    strategy: 'canary',
    canary: { steps: [20, 100], pauseSeconds: 60 },
  });
  expect(op.status).toBe('failed');
  expect(op.error).toEqual({
    type: 'UnsupportedByRouter',
    message: expect.stringContaining('set SLIPWAY_ROUTER=builtin or SLIPWAY_ROUTER=haproxy'),
  });
  expect(await servedVersion(d.id)).toBe('2.0.0');
});
