import { histogramSamples, renderPrometheus, type MetricFamily, type Sample } from '../../metrics/prometheus';
import { LATENCY_BUCKETS_MS } from './latencyHistogram';
import { retiredInFlight, type RouteTable } from './routeTable';
import type { PassiveHealth } from './upstreamHealth';
import { STATUS_CLASSES, type UpstreamCounters } from './upstreamStats';

/** Always exported, so a 5xx alert has a series at 0 before the first error. */
const ALWAYS_CLASSES = new Set(['2xx', '3xx', '4xx', '5xx']);
const BUCKETS_SECONDS = LATENCY_BUCKETS_MS.map((ms) => ms / 1000);

/**
 * The router's /metrics body. Labels are the deployment id and the upstream key (one
 * per revision replica), never a URL or a client value, so cardinality follows the
 * number of live revisions. Removed upstreams appear while requests still run on them.
 */
export function renderRouterMetrics(table: RouteTable, health: PassiveHealth): string {
  const requests: Sample[] = [];
  const inFlight: Sample[] = [];
  const connectErrors: Sample[] = [];
  const healthy: Sample[] = [];
  const duration: Sample[] = [];
  let routes = 0;
  let suspended = 0;

  for (const route of table.routes()) {
    routes += 1;
    if (route.spec.suspended) suspended += 1;
    const deployment = route.spec.deploymentId;
    const counters: UpstreamCounters[] = [...route.upstreams.map((u) => u.counters), ...retiredInFlight(route)];
    for (const c of counters) {
      const labels = { deployment, upstream: c.key };
      for (const cls of STATUS_CLASSES) {
        const value = c.byClass[cls];
        if (value > 0 || ALWAYS_CLASSES.has(cls)) requests.push({ labels: { ...labels, code_class: cls }, value });
      }
      inFlight.push({ labels, value: c.inFlight });
      connectErrors.push({ labels, value: c.connectErrors });
    }
    for (const u of route.upstreams) {
      healthy.push({ labels: { deployment, upstream: u.key }, value: health.isHealthy(u.url.origin) ? 1 : 0 });
    }
    duration.push(
      ...histogramSamples(
        { deployment },
        { bounds: BUCKETS_SECONDS, counts: route.latency.counts, sum: route.latency.sumMs / 1000, count: route.latency.count },
      ),
    );
  }

  const families: MetricFamily[] = [
    { name: 'slipway_router_routes', type: 'gauge', help: 'Routes (deployments) in the route table.', samples: [{ value: routes }] },
    {
      name: 'slipway_router_suspended_routes',
      type: 'gauge',
      help: 'Routes answering 503 deployment_suspended.',
      samples: [{ value: suspended }],
    },
    {
      name: 'slipway_router_requests_total',
      type: 'counter',
      help: 'Finished proxied requests by the class of status the client got; code_class="none" ended without one (client gone, or retried elsewhere).',
      samples: requests,
    },
    {
      name: 'slipway_router_upstream_in_flight',
      type: 'gauge',
      help: 'Requests and WebSocket tunnels open on an upstream.',
      samples: inFlight,
    },
    {
      name: 'slipway_router_upstream_connect_errors_total',
      type: 'counter',
      help: 'Attempts that could not reach the upstream (refused, reset, connect timeout).',
      samples: connectErrors,
    },
    {
      name: 'slipway_router_upstream_healthy',
      type: 'gauge',
      help: '0 while passive health keeps the upstream out of rotation.',
      samples: healthy,
    },
    {
      name: 'slipway_router_request_duration_seconds',
      type: 'histogram',
      help: 'Time from request start to response end, per deployment (WebSocket tunnels excluded).',
      samples: duration,
    },
  ];
  return renderPrometheus(families);
}
