import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Service,
} from '../../compute/kubernetes/client';
import {
  ANNOTATIONS,
  LABELS,
  MANAGED_BY,
  deploymentServiceName,
  labelValue,
  revisionLabel,
  selector,
} from '../../compute/kubernetes/names';
import { isStatus, tenantConfigCache } from '../../compute/kubernetes/tenantNamespace';
import { RouterUnsupportedError, type RouteSpec, type RouteStats, type TrafficRouter, type Upstream } from '../../ports/traffic';

/**
 * `SLIPWAY_ROUTER=kubernetes`: blue-green the way platforms on Kubernetes do it, with one
 * Service per deployment in the tenant's namespace whose selector is patched to the serving
 * revision's pod labels. An Ingress (or anything in the cluster) reaches the deployment at
 * that Service; Slipway runs no proxy. A selector picks one revision, so weights (canary,
 * rolling) are refused, naming the routers that can split traffic.
 */
export interface KubernetesRouterOptions {
  kubeConfig: KubeConfig;
  /** How long setRoute waits for the EndpointSlices to show the switch (nothing routes to the old pods after it). */
  switchTimeoutMs?: number;
  pollMs?: number;
}

/** Matches no pod: a suspended deployment's Service has no endpoints, so connections are refused. */
const NO_REVISION = 'none';
const DEFAULT_SWITCH_TIMEOUT_MS = 30_000;
const DEFAULT_POLL_MS = 200;

export function createKubernetesRouter(options: KubernetesRouterOptions): TrafficRouter {
  const admin = options.kubeConfig;
  const adminApps = admin.makeApiClient(AppsV1Api);
  const adminCore = admin.makeApiClient(CoreV1Api);
  const tenantConfig = tenantConfigCache(admin);
  const switchTimeoutMs = options.switchTimeoutMs ?? DEFAULT_SWITCH_TIMEOUT_MS;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const coreFor = async (namespace: string) => (await tenantConfig(namespace)).makeApiClient(CoreV1Api);
  const discoveryFor = async (namespace: string) => (await tenantConfig(namespace)).makeApiClient(DiscoveryV1Api);

  /** A route carries no tenant, but its revisions' Deployments live in the tenant's namespace. */
  async function namespaceOfRevision(key: string): Promise<string | undefined> {
    const found = await adminApps.listDeploymentForAllNamespaces({
      labelSelector: selector({ [MANAGED_BY.key]: MANAGED_BY.value, [LABELS.revision]: revisionLabel(key) }),
    });
    return found.items.find((d) => d.metadata?.annotations?.[ANNOTATIONS.revisionKey] === key)?.metadata?.namespace;
  }

  async function findService(deploymentId: string): Promise<V1Service | undefined> {
    const found = await adminCore.listServiceForAllNamespaces({
      labelSelector: selector({ [MANAGED_BY.key]: MANAGED_BY.value, [LABELS.route]: labelValue(deploymentId) }),
    });
    return found.items.find((s) => s.metadata?.annotations?.[ANNOTATIONS.deploymentId] === deploymentId);
  }

  /** Pod IPs the Service's EndpointSlices list as ready. */
  async function endpointIps(namespace: string, service: string): Promise<Set<string>> {
    const discovery = await discoveryFor(namespace);
    const slices = await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` });
    const ips = new Set<string>();
    for (const slice of slices.items)
      for (const e of slice.endpoints ?? []) if (e.conditions?.ready !== false) for (const a of e.addresses) ips.add(a);
    return ips;
  }

  async function revisionIps(namespace: string, key: string): Promise<Set<string>> {
    const core = await coreFor(namespace);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `${LABELS.revision}=${revisionLabel(key)}` });
    return new Set(pods.items.map((p) => p.status?.podIP).filter((ip): ip is string => Boolean(ip)));
  }

  /** After the patch: the old revision's pods are out of the slices, and the serving one's (if any) are in. */
  async function awaitSwitch(namespace: string, service: string, serving: Upstream | undefined, others: Upstream[]): Promise<void> {
    const deadline = Date.now() + switchTimeoutMs;
    for (;;) {
      const listed = await endpointIps(namespace, service);
      const stale = (await Promise.all(others.map((u) => revisionIps(namespace, u.key)))).some((ips) =>
        [...ips].some((ip) => listed.has(ip)),
      );
      const present = serving ? [...(await revisionIps(namespace, serving.key))].some((ip) => listed.has(ip)) : true;
      if (!stale && present) return;
      if (Date.now() > deadline) {
        throw new Error(
          `${namespace}/${service}: the EndpointSlices did not follow the selector within ${switchTimeoutMs} ms (${stale ? 'old pods still listed' : 'serving pods not listed yet'})`,
        );
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  return {
    async setRoute(route) {
      const active = route.upstreams.filter((u) => u.weight > 0);
      if (active.length > 1) {
        throw new RouterUnsupportedError(
          `the kubernetes router switches a Service selector, so it sends all of ${route.deploymentId}'s traffic to one revision and cannot weight ${active.length} of them (canary, rolling); set SLIPWAY_ROUTER=builtin or SLIPWAY_ROUTER=haproxy for those strategies`,
        );
      }
      const serving = route.suspended ? undefined : active[0];
      const existing = await findService(route.deploymentId);
      const namespace = existing?.metadata?.namespace ?? (await firstDefined(route.upstreams.map((u) => () => namespaceOfRevision(u.key))));
      if (!namespace)
        throw new Error(
          `no revision of ${route.deploymentId} runs in the cluster (upstreams ${route.upstreams.map((u) => u.key).join(', ') || 'none'})`,
        );
      const name = deploymentServiceName(route.deploymentId);
      const port = Number(new URL((serving ?? route.upstreams[0])?.url ?? 'http://x:8080').port) || 8080;
      const body: V1Service = {
        metadata: {
          name,
          namespace,
          labels: { [MANAGED_BY.key]: MANAGED_BY.value, [LABELS.route]: labelValue(route.deploymentId) },
          annotations: {
            [ANNOTATIONS.deploymentId]: route.deploymentId,
            [ANNOTATIONS.hostname]: route.hostname,
            [ANNOTATIONS.route]: JSON.stringify(route),
          },
        },
        spec: {
          type: 'ClusterIP',
          selector: { [LABELS.revision]: serving ? revisionLabel(serving.key) : NO_REVISION },
          ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP' }],
        },
      };
      const core = await coreFor(namespace);
      if (existing) {
        await core.patchNamespacedService(
          { name, namespace, body: { metadata: body.metadata, spec: { selector: body.spec!.selector, ports: body.spec!.ports } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } else {
        await core.createNamespacedService({ namespace, body }).catch((err: unknown) => {
          if (!isStatus(err, 409)) throw err;
          return core.replaceNamespacedService({ name, namespace, body });
        });
      }
      await awaitSwitch(
        namespace,
        name,
        serving,
        route.upstreams.filter((u) => u !== serving),
      );
    },

    async getRoute(deploymentId) {
      const text = (await findService(deploymentId))?.metadata?.annotations?.[ANNOTATIONS.route];
      return text ? (JSON.parse(text) as RouteSpec) : null;
    },

    async removeRoute(deploymentId) {
      const service = await findService(deploymentId);
      if (!service) return;
      const namespace = service.metadata!.namespace!;
      await (await coreFor(namespace)).deleteNamespacedService({ name: service.metadata!.name!, namespace }).catch((err: unknown) => {
        if (!isStatus(err, 404)) throw err;
      });
    },

    /**
     * No request counters (kube-proxy keeps none); `inFlight` is 1 while a revision's pods are
     * still in the Service's EndpointSlices, so a drain waits for the switch to land.
     */
    async stats(deploymentId): Promise<RouteStats | null> {
      const service = await findService(deploymentId);
      const text = service?.metadata?.annotations?.[ANNOTATIONS.route];
      if (!service || !text) return null;
      const route = JSON.parse(text) as RouteSpec;
      const namespace = service.metadata!.namespace!;
      const listed = await endpointIps(namespace, service.metadata!.name!);
      const upstreams = await Promise.all(
        route.upstreams.map(async (u) => {
          const routed = [...(await revisionIps(namespace, u.key))].some((ip) => listed.has(ip));
          return { key: u.key, requests: 0, errors5xx: 0, inFlight: routed && u.weight === 0 ? 1 : 0, healthy: true };
        }),
      );
      return { deploymentId, upstreams };
    },
  };
}

async function firstDefined<T>(lookups: (() => Promise<T | undefined>)[]): Promise<T | undefined> {
  for (const lookup of lookups) {
    const found = await lookup();
    if (found !== undefined) return found;
  }
  return undefined;
}
