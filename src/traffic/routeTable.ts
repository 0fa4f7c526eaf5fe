import { normalizeHost } from './hostname';
import type { RouteSpec, RouteStats } from './trafficRouter';
import { UpstreamCounters } from './upstreamStats';
import { createWeightedPicker, type WeightedPicker } from './weightedPicker';

export interface LiveUpstream {
  readonly key: string;
  readonly url: URL;
  readonly weight: number;
  readonly counters: UpstreamCounters;
}

/**
 * One immutable version of a route. `set` builds a new one and swaps the reference,
 * so a request that already picked its upstream finishes against the version it saw
 * and the next request sees the new version whole: no half-applied weight change.
 * The only mutable state inside is the picker's round-robin position.
 */
export interface LiveRoute {
  readonly spec: Readonly<RouteSpec>;
  readonly hostname: string;
  readonly upstreams: readonly LiveUpstream[];
  /**
   * Counters by upstream key: those of the current upstreams plus removed ones that
   * still had requests in flight at the swap, so a drain can watch them reach 0.
   */
  readonly counters: ReadonlyMap<string, UpstreamCounters>;
  pick(): LiveUpstream | null;
}

/** Two deployments cannot answer the same hostname; the admin API maps this to 409. */
export class RouteConflictError extends Error {
  constructor(readonly hostname: string, readonly ownerDeploymentId: string) {
    super(`hostname ${hostname} is already routed to deployment ${ownerDeploymentId}`);
    this.name = 'RouteConflictError';
  }
}

export class RouteTable {
  private readonly routes = new Map<string, LiveRoute>();
  private readonly byHost = new Map<string, string>();

  /** Replaces the deployment's route atomically; throws RouteConflictError before touching anything. */
  set(spec: RouteSpec): LiveRoute {
    const hostname = normalizeHost(spec.hostname);
    const owner = this.byHost.get(hostname);
    if (owner !== undefined && owner !== spec.deploymentId) throw new RouteConflictError(hostname, owner);

    const previous = this.routes.get(spec.deploymentId);
    const next = buildRoute(spec, hostname, previous?.counters);

    this.routes.set(spec.deploymentId, next);
    if (previous && previous.hostname !== hostname) this.byHost.delete(previous.hostname);
    this.byHost.set(hostname, spec.deploymentId);
    return next;
  }

  /** Idempotent: removing a missing route is not an error. */
  remove(deploymentId: string): boolean {
    const route = this.routes.get(deploymentId);
    if (!route) return false;
    this.routes.delete(deploymentId);
    if (this.byHost.get(route.hostname) === deploymentId) this.byHost.delete(route.hostname);
    return true;
  }

  get(deploymentId: string): LiveRoute | undefined {
    return this.routes.get(deploymentId);
  }

  /** Resolves a raw Host header (any case, with or without port). */
  matchHost(hostHeader: string | undefined): LiveRoute | undefined {
    const id = this.byHost.get(normalizeHost(hostHeader));
    return id === undefined ? undefined : this.routes.get(id);
  }

  stats(deploymentId: string): RouteStats | null {
    const route = this.routes.get(deploymentId);
    if (!route) return null;
    const current = route.upstreams.map((u) => u.counters.snapshot());
    const currentKeys = new Set(route.upstreams.map((u) => u.key));
    const retired = [...route.counters.values()]
      .filter((c) => !currentKeys.has(c.key) && c.inFlight > 0)
      .map((c) => c.snapshot());
    return { deploymentId, upstreams: [...current, ...retired] };
  }

  specs(): RouteSpec[] {
    return [...this.routes.values()].map((r) => cloneSpec(r.spec));
  }

  get size(): number {
    return this.routes.size;
  }
}

function buildRoute(
  spec: RouteSpec,
  hostname: string,
  previousCounters: ReadonlyMap<string, UpstreamCounters> | undefined,
): LiveRoute {
  const frozen = deepFreeze(cloneSpec(spec));
  const counters = new Map<string, UpstreamCounters>();
  const upstreams: LiveUpstream[] = frozen.upstreams.map((u) => {
    const c = previousCounters?.get(u.key) ?? new UpstreamCounters(u.key);
    counters.set(u.key, c);
    return Object.freeze({ key: u.key, url: new URL(u.url), weight: u.weight, counters: c });
  });
  // Keep removed upstreams only while requests are still running on them.
  for (const [key, c] of previousCounters ?? []) {
    if (!counters.has(key) && c.inFlight > 0) counters.set(key, c);
  }
  const picker: WeightedPicker<LiveUpstream> = createWeightedPicker(
    upstreams.map((u) => ({ item: u, weight: u.weight })),
  );
  return Object.freeze({
    spec: frozen,
    hostname,
    upstreams: Object.freeze(upstreams),
    counters,
    pick: () => picker.pick(),
  });
}

function cloneSpec(spec: RouteSpec): RouteSpec {
  return {
    deploymentId: spec.deploymentId,
    hostname: spec.hostname,
    upstreams: spec.upstreams.map((u) => ({ key: u.key, url: u.url, weight: u.weight })),
    suspended: spec.suspended ? { reason: spec.suspended.reason, retryAfterSeconds: spec.suspended.retryAfterSeconds } : null,
  };
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
