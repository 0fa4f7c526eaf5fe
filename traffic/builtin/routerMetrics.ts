import { Counter, Gauge, Registry } from 'prom-client';
import { SnapshotHistogram } from '../../metrics/prometheus';
import { LATENCY_BUCKETS_MS } from './latencyHistogram';
import { retiredInFlight, type RouteTable } from './routeTable';
import type { ShedReason } from './loadShedder';
import type { PassiveHealth } from './upstreamHealth';
import { STATUS_CLASSES, type UpstreamCounters } from './upstreamStats';

/** Always exported, so a 5xx alert has a series at 0 before the first error. */
const ALWAYS_CLASSES = new Set(['2xx', '3xx', '4xx', '5xx']);
const BUCKETS_SECONDS = LATENCY_BUCKETS_MS.map((ms) => ms / 1000);

/**
 * The router's /metrics body. Requests count into plain numbers in place (upstreamStats.ts,
 * latencyHistogram.ts); only a scrape builds prom-client metrics from them, in a fresh
 * registry, so a removed route's series vanish with it. Labels are the deployment id and
 * the upstream key (one per revision replica), never a URL or a client value, so
 * cardinality follows the number of live revisions. Removed upstreams appear while
 * requests still run on them.
 */
export async function renderRouterMetrics(
  table: RouteTable,
  health: PassiveHealth,
  shed: Readonly<Record<ShedReason, number>>,
): Promise<string> {
  const registry = new Registry();
  const registers = [registry];
  const upstreamLabels = ['deployment', 'upstream'] as const;
  const routes = new Gauge({ name: 'slipway_router_routes', help: 'Routes (deployments) in the route table.', registers });
  const suspended = new Gauge({ name: 'slipway_router_suspended_routes', help: 'Routes answering 503 deployment_suspended.', registers });
  const requests = new Counter({
    name: 'slipway_router_requests_total',
    help: 'Finished proxied requests by the class of status the client got; code_class="none" ended without one (client gone, or retried elsewhere).',
    labelNames: [...upstreamLabels, 'code_class'],
    registers,
  });
  const inFlight = new Gauge({
    name: 'slipway_router_upstream_in_flight',
    help: 'Requests and WebSocket tunnels open on an upstream.',
    labelNames: upstreamLabels,
    registers,
  });
  const connectErrors = new Counter({
    name: 'slipway_router_upstream_connect_errors_total',
    help: 'Attempts that could not reach the upstream (refused, reset, connect timeout).',
    labelNames: upstreamLabels,
    registers,
  });
  const healthy = new Gauge({
    name: 'slipway_router_upstream_healthy',
    help: '0 while passive health keeps the upstream out of rotation.',
    labelNames: upstreamLabels,
    registers,
  });
  const shedTotal = new Counter({
    name: 'slipway_router_shed_requests_total',
    help: "Requests refused with 503 and Retry-After before reaching an upstream: a route's queue was full, or the router itself was overloaded.",
    labelNames: ['reason'],
    registers,
  });
  // Both reasons from the start: an alert on the rate needs a series before the first shed.
  for (const [reason, count] of Object.entries(shed)) shedTotal.inc({ reason }, count);
  const duration = new SnapshotHistogram({
    name: 'slipway_router_request_duration_seconds',
    help: 'Time from request start to response end, per deployment (WebSocket tunnels excluded).',
    labelNames: ['deployment'],
    buckets: BUCKETS_SECONDS,
    registers,
  });

  let routeCount = 0;
  let suspendedCount = 0;
  const latency = [];
  for (const route of table.routes()) {
    routeCount += 1;
    if (route.spec.suspended) suspendedCount += 1;
    const deployment = route.spec.deploymentId;
    const counters: UpstreamCounters[] = [...route.upstreams.map((u) => u.counters), ...retiredInFlight(route)];
    for (const c of counters) {
      const labels = { deployment, upstream: c.key };
      for (const cls of STATUS_CLASSES) {
        const value = c.byClass[cls];
        if (value > 0 || ALWAYS_CLASSES.has(cls)) requests.inc({ ...labels, code_class: cls }, value);
      }
      inFlight.set(labels, c.inFlight);
      connectErrors.inc(labels, c.connectErrors);
    }
    for (const u of route.upstreams) healthy.set({ deployment, upstream: u.key }, health.isHealthy(u.url.origin) ? 1 : 0);
    latency.push({ labels: { deployment }, counts: route.latency.counts, sum: route.latency.sumMs / 1000, count: route.latency.count });
  }
  routes.set(routeCount);
  suspended.set(suspendedCount);
  duration.set(latency);
  return registry.metrics();
}
