import { normalizeHost } from './hostname';
import { LatencyHistogram } from './latencyHistogram';
import type { RouteSpec, RouteStats } from '../../ports/traffic';
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
  /** Response times of the whole deployment, kept across upstream changes (for /metrics). */
  readonly latency: LatencyHistogram;
  /** Next upstream by weight; `accept` skips some (e.g. unhealthy ones) for this pick only. */
  pick(accept?: (u: LiveUpstream) => boolean): LiveUpstream | null;
}

/** Two deployments cannot answer the same hostname; the admin API maps this to 409. */
export class RouteConflictError extends Error {
  constructor(
    readonly hostname: string,
    readonly ownerDeploymentId: string,
  ) {
    super(`hostname ${hostname} is already routed to deployment ${ownerDeploymentId}`);
    this.name = 'RouteConflictError';
  }
}

export class RouteTable {
  private readonly byId = new Map<string, LiveRoute>();
  private readonly byHost = new Map<string, string>();

  /** Replaces the deployment's route atomically; throws RouteConflictError before touching anything. */
  set(spec: RouteSpec): LiveRoute {
    const hostname = normalizeHost(spec.hostname);
    const owner = this.byHost.get(hostname);
    if (owner !== undefined && owner !== spec.deploymentId) throw new RouteConflictError(hostname, owner);

    const previous = this.byId.get(spec.deploymentId);
    const next = buildRoute(spec, hostname, previous);

    this.byId.set(spec.deploymentId, next);
    if (previous && previous.hostname !== hostname) this.byHost.delete(previous.hostname);
    this.byHost.set(hostname, spec.deploymentId);
    return next;
  }

  /** Idempotent: removing a missing route is not an error. */
  remove(deploymentId: string): boolean {
    const route = this.byId.get(deploymentId);
    if (!route) return false;
    this.byId.delete(deploymentId);
    if (this.byHost.get(route.hostname) === deploymentId) this.byHost.delete(route.hostname);
    return true;
  }

  get(deploymentId: string): LiveRoute | undefined {
    return this.byId.get(deploymentId);
  }

  /** Resolves a raw Host header (any case, with or without port). */
  matchHost(hostHeader: string | undefined): LiveRoute | undefined {
    const id = this.byHost.get(normalizeHost(hostHeader));
    return id === undefined ? undefined : this.byId.get(id);
  }

  /**
   * Cumulative counters of the current upstreams, then of removed ones that still have
   * requests in flight (a drain watches those reach 0; at 0 they drop out).
   */
  stats(deploymentId: string, isHealthy?: (u: LiveUpstream) => boolean): RouteStats | null {
    const route = this.byId.get(deploymentId);
    if (!route) return null;
    const current = route.upstreams.map((u) => u.counters.snapshot(isHealthy?.(u)));
    return { deploymentId, upstreams: [...current, ...retiredInFlight(route).map((c) => c.snapshot())] };
  }

  /** Every live route, for /metrics; do not hold on to them across a change. */
  routes(): IterableIterator<LiveRoute> {
    return this.byId.values();
  }

  specs(): RouteSpec[] {
    return [...this.byId.values()].map((r) => cloneSpec(r.spec));
  }

  get size(): number {
    return this.byId.size;
  }
}

/** Counters of upstreams the route no longer lists but that still have requests running. */
export function retiredInFlight(route: LiveRoute): UpstreamCounters[] {
  const currentKeys = new Set(route.upstreams.map((u) => u.key));
  return [...route.counters.values()].filter((c) => !currentKeys.has(c.key) && c.inFlight > 0);
}

function buildRoute(spec: RouteSpec, hostname: string, previous: LiveRoute | undefined): LiveRoute {
  const previousCounters = previous?.counters;
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
  const picker: WeightedPicker<LiveUpstream> = createWeightedPicker(upstreams.map((u) => ({ item: u, weight: u.weight })));
  return Object.freeze({
    spec: frozen,
    hostname,
    upstreams: Object.freeze(upstreams),
    counters,
    latency: previous?.latency ?? new LatencyHistogram(),
    pick: (accept?: (u: LiveUpstream) => boolean) => picker.pick(accept),
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
