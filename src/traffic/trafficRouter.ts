/**
 * What activities need from the traffic layer. One route per deployment, matched by
 * Host header. Every method is idempotent and replaces state wholesale, so a retried
 * activity converges on the same route.
 */
export interface Upstream {
  /** Revision key, used as the name in counters. */
  key: string;
  url: string; // e.g. http://127.0.0.1:41234
  weight: number; // relative; 0 takes no new requests
}

export interface RouteSpec {
  deploymentId: string;
  hostname: string; // e.g. d-abc123.localhost
  upstreams: Upstream[];
  /** When set, the router answers 503 with this reason and Retry-After instead of proxying. */
  suspended?: { reason: string; retryAfterSeconds: number } | null;
}

export interface UpstreamStats {
  key: string;
  requests: number;
  errors5xx: number;
  inFlight: number;
}

export interface RouteStats {
  deploymentId: string;
  upstreams: UpstreamStats[];
}

export interface TrafficRouter {
  /** Atomically replaces the route (upstream set, weights, suspension). */
  setRoute(route: RouteSpec): Promise<void>;
  getRoute(deploymentId: string): Promise<RouteSpec | null>;
  removeRoute(deploymentId: string): Promise<void>;
  stats(deploymentId: string): Promise<RouteStats | null>;
}
