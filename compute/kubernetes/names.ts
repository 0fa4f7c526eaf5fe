import { createHash } from 'node:crypto';

/**
 * Kubernetes names and labels for Slipway's objects. Revision keys, tenant ids and service
 * names are free-form, while object names must be DNS labels and label values at most 63
 * characters; each name keeps a readable prefix and ends in a hash of the original, so two
 * different originals never collide after the clean-up.
 */
export const MANAGED_BY = { key: 'app.kubernetes.io/managed-by', value: 'slipway' };
export const LABELS = {
  revision: 'slipway.dev/revision',
  deployment: 'slipway.dev/deployment',
  service: 'slipway.dev/service',
  slot: 'slipway.dev/slot',
  tenant: 'slipway.dev/tenant',
  /** On the one Service per deployment that the kubernetes router points at the serving revision. */
  route: 'slipway.dev/route',
} as const;
/** The originals, where nothing limits their length or alphabet. */
export const ANNOTATIONS = {
  revisionKey: 'slipway.dev/revision-key',
  deploymentId: 'slipway.dev/deployment-id',
  tenantId: 'slipway.dev/tenant-id',
  startedAt: 'slipway.dev/started-at',
  /** The kubernetes router's whole RouteSpec (keys, URLs, hostname: nothing secret), for getRoute. */
  route: 'slipway.dev/route',
  hostname: 'slipway.dev/hostname',
} as const;
/** The identity Slipway acts as inside a tenant's namespace (tenantNamespace.ts). */
export const TENANT_IDENTITY = 'slipway';
export const APP_CONTAINER = 'app';

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function dnsLabelPart(text: string, max: number): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
}

export function tenantNamespace(tenantId: string): string {
  const readable = dnsLabelPart(tenantId, 40);
  return `slipway-${readable ? `${readable}-` : ''}${hash(tenantId, 8)}`;
}

/** Deployment, Service and (with `-env`) Secret of one revision: a DNS-1035 label, so it starts with a letter. */
export function revisionObjectName(key: string): string {
  const readable = dnsLabelPart(key, 40);
  return `r-${readable ? `${readable}-` : ''}${hash(key, 10)}`;
}

/** The kubernetes router's Service of a deployment (traffic/kubernetes), the one an Ingress points at. */
export function deploymentServiceName(deploymentId: string): string {
  const readable = dnsLabelPart(deploymentId, 40);
  return `d-${readable ? `${readable}-` : ''}${hash(deploymentId, 10)}`;
}

export function revisionSecretName(key: string): string {
  return `${revisionObjectName(key)}-env`;
}

export function revisionLabel(key: string): string {
  return hash(key, 20);
}

/** The value itself when it is a valid label value, else a hash of it (lookups use the same function). */
export function labelValue(text: string): string {
  return /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/.test(text) ? text : `h-${hash(text, 20)}`;
}

/** Keys are `<deploymentId>-<slot>-…` (activities/revisionKey.ts); anything else has no slot label. */
export function slotOf(key: string, deploymentId: string): string | undefined {
  const rest = key.startsWith(`${deploymentId}-`) ? key.slice(deploymentId.length + 1) : '';
  const slot = rest.split('-')[0];
  return slot === 'blue' || slot === 'green' ? slot : undefined;
}

export function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
