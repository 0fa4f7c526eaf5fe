import { ApiException, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from './client';
import { ANNOTATIONS, LABELS, MANAGED_BY, TENANT_IDENTITY, labelValue, tenantNamespace } from './names';

/**
 * One namespace per tenant, created on its first deploy, with a ServiceAccount that holds
 * only what Slipway does there. Everything inside the namespace is done as that account, so a
 * mistake in one tenant's revision (a wrong name, a wrong namespace) is refused by the
 * apiserver instead of landing in another tenant's namespace.
 */
const RULES = [
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['secrets', 'services'], verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['pods', 'pods/log', 'events'], verbs: ['get', 'list', 'watch'] },
  // The kubernetes router watches its Service's endpoints follow a selector patch.
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
];
const TOKEN_SECONDS = 3600;
/** Renew well before expiry, so a token never runs out in the middle of a start. */
const TOKEN_RENEW_AT = 0.8;

export function isStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}

async function createUnlessExists(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!isStatus(err, 409)) throw err;
  }
}

/** Idempotent: a namespace, account, role or binding that exists already is left as it is. */
export async function ensureTenantNamespace(admin: KubeConfig, tenantId: string): Promise<string> {
  const namespace = tenantNamespace(tenantId);
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const metadata = {
    labels: { [MANAGED_BY.key]: MANAGED_BY.value, [LABELS.tenant]: labelValue(tenantId) },
    annotations: { [ANNOTATIONS.tenantId]: tenantId },
  };
  await createUnlessExists(() => core.createNamespace({ body: { metadata: { name: namespace, ...metadata } } }));
  await createUnlessExists(() =>
    core.createNamespacedServiceAccount({
      namespace,
      // Pods run as the namespace's `default` account; this one is Slipway's, and its token is never mounted.
      body: { metadata: { name: TENANT_IDENTITY, ...metadata }, automountServiceAccountToken: false },
    }),
  );
  // Replaced when it exists: a namespace made by an older Slipway gets the rules this one needs.
  const role = { metadata: { name: TENANT_IDENTITY, ...metadata }, rules: RULES };
  try {
    await rbac.createNamespacedRole({ namespace, body: role });
  } catch (err) {
    if (!isStatus(err, 409)) throw err;
    await rbac.replaceNamespacedRole({ name: TENANT_IDENTITY, namespace, body: role });
  }
  await createUnlessExists(() =>
    rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: TENANT_IDENTITY, ...metadata },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: TENANT_IDENTITY },
        subjects: [{ kind: 'ServiceAccount', name: TENANT_IDENTITY, namespace }],
      },
    }),
  );
  return namespace;
}

/** A client config that acts as the namespace's Slipway account, from a short-lived TokenRequest token. */
export async function tenantKubeConfig(admin: KubeConfig, namespace: string): Promise<{ config: KubeConfig; expiresAt: number }> {
  const core = admin.makeApiClient(CoreV1Api);
  const issued = await core.createNamespacedServiceAccountToken({
    name: TENANT_IDENTITY,
    namespace,
    body: { spec: { expirationSeconds: TOKEN_SECONDS, audiences: [] } },
  });
  const token = issued.status?.token;
  if (!token) throw new Error(`the apiserver issued no token for ${namespace}/${TENANT_IDENTITY}`);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [cluster],
    users: [{ name: `${namespace}-${TENANT_IDENTITY}`, token }],
    contexts: [{ name: namespace, cluster: cluster.name, user: `${namespace}-${TENANT_IDENTITY}`, namespace }],
    currentContext: namespace,
  });
  return { config, expiresAt: Date.now() + TOKEN_SECONDS * 1000 * TOKEN_RENEW_AT };
}

/** Caches one tenant config per namespace until its token is due for renewal. */
export function tenantConfigCache(admin: KubeConfig): (namespace: string) => Promise<KubeConfig> {
  const cache = new Map<string, { config: KubeConfig; expiresAt: number }>();
  return async (namespace) => {
    const hit = cache.get(namespace);
    if (hit && hit.expiresAt > Date.now()) return hit.config;
    const fresh = await tenantKubeConfig(admin, namespace);
    cache.set(namespace, fresh);
    return fresh.config;
  };
}
