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

/** Latency from request start to response end, over fixed buckets (cumulative counts). */
export interface LatencyStats {
  count: number;
  sumMs: number;
  /** Cumulative: how many responses took at most `leMs`; `count` is the +Inf bucket. */
  buckets: { leMs: number; count: number }[];
  /** Estimates interpolated inside a bucket; null before the first response. */
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface UpstreamStats {
  key: string;
  /** Requests started on this upstream, cumulative across route changes. */
  requests: number;
  /** Requests that ended with a status; errors5xx is counted among these, at the same moment. */
  finished?: number;
  /** Responses the client got with a 5xx status (including the router's own 502/504). */
  errors5xx: number;
  /** Requests (and WebSocket tunnels) still open; a drain waits for this to reach 0. */
  inFlight: number;
  /** Attempts that could not reach the upstream (refused, reset, connect timeout). */
  connectErrors?: number;
  /** False while passive health keeps the upstream out of rotation after failures. */
  healthy?: boolean;
  latency?: LatencyStats;
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

/**
 * A router refusing what it cannot do (weights on the kubernetes router). Activities turn it into
 * a non-retryable UnsupportedByRouter failure: Temporal names a thrown Error by its class, not by
 * its `name`, so without that it was retried until the activity's attempts ran out.
 */
export class RouterUnsupportedError extends Error {
  /** FailureType.UnsupportedByRouter, for logs and callers that match on the name. */
  override name = 'UnsupportedByRouter';
}
