import type { RouteSpec } from '../../ports/traffic';
import { NO_UPSTREAM_RETRY_AFTER_SECONDS } from '../builtin/proxyContext';
import { ERROR_LOG_FORMAT } from './errorLog';
import { poolNames, type HaproxyState } from './haproxyState';

/** Where HAProxy listens and keeps its files; the same for the process that starts it and the worker that reloads it. */
export interface HaproxySettings {
  /** Directory holding haproxy.cfg, the maps, the sockets and state.json. */
  dir: string;
  bindHost: string;
  port: number;
  /** Loopback listener for /metrics (HAProxy's Prometheus exporter) and /healthz. */
  adminHost: string;
  adminPort: number;
  /** Largest request body proxied; bigger ones get 413, as with the built-in router. */
  maxBodyBytes: number;
  /**
   * nbthread. Unset, HAProxy runs one thread per CPU; on a small machine that shares its
   * cores with the apps, fewer threads can serve more (less cross-thread handoff).
   */
  threads?: number;
  /** Log abnormal requests (errors, timeouts, aborts, 5xx) to stderr; normal ones never are. */
  errorLog?: boolean;
}

export const REFUSED_BACKEND = 'be_refused';
export const NOT_FOUND_BACKEND = 'be_none';

export function haproxyPaths(dir: string) {
  return {
    config: `${dir}/haproxy.cfg`,
    state: `${dir}/state.json`,
    hostsMap: `${dir}/hosts.map`,
    bodyMap: `${dir}/refusal-body.map`,
    retryMap: `${dir}/refusal-retry.map`,
    adminSocket: `${dir}/admin.sock`,
    masterSocket: `${dir}/master.sock`,
  };
}

/** Host → backend: the active backend, or the refusal backend for a suspended or empty route. */
export function hostTarget(state: HaproxyState, route: RouteSpec): string {
  if (route.suspended) return REFUSED_BACKEND;
  const active = Object.entries(state.backends).find(([, b]) => b.deploymentId === route.deploymentId && b.role === 'active');
  return active?.[0] ?? REFUSED_BACKEND;
}

/** The JSON body and Retry-After the refusal backend sends for a host, as the built-in router would. */
export function refusal(route: RouteSpec): { body: string; retryAfterSeconds: number } {
  if (route.suspended) {
    return {
      body: JSON.stringify({ code: 'deployment_suspended', message: route.suspended.reason }),
      retryAfterSeconds: route.suspended.retryAfterSeconds,
    };
  }
  return {
    body: JSON.stringify({ code: 'no_healthy_upstream', message: `deployment ${route.deploymentId} has no upstream taking traffic` }),
    retryAfterSeconds: NO_UPSTREAM_RETRY_AFTER_SECONDS,
  };
}

/** Map values are single words on the runtime API, so bodies travel base64-encoded and b64dec turns them back. */
export function encodeMapValue(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function hostKey(hostname: string): string {
  const h = hostname.toLowerCase();
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

export interface RenderedFiles {
  config: string;
  hostsMap: string;
  bodyMap: string;
  retryMap: string;
}

/** The whole configuration from the state: a restart or a reload starts from exactly what the worker last saved. */
export function renderHaproxyFiles(state: HaproxyState, s: HaproxySettings): RenderedFiles {
  const p = haproxyPaths(s.dir);
  const host = 'var(txn.host)';
  const lines = [
    'global',
    '  master-worker',
    ...(s.threads ? [`  nbthread ${s.threads}`] : []),
    `  stats socket ${p.adminSocket} mode 600 level admin expose-fd listeners`,
    '  stats timeout 10s',
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-keep-alive 60s',
    '  timeout tunnel 1h',
    '  timeout queue 5s',
    '  option http-keep-alive',
    // A client that gave up (closed while waiting) ends its upstream request too, as with the
    // built-in router: otherwise the slot keeps it for `timeout server`, and a drain waits on it.
    '  option abortonclose',
    '  http-reuse safe',
    // Like the built-in router: a connect failure is retried once, on another server when there is one.
    '  retries 1',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response',
    `  http-error status 502 content-type "application/json; charset=utf-8" string '{"code":"bad_gateway","message":"the upstream failed to answer"}'`,
    `  http-error status 503 content-type "application/json; charset=utf-8" hdr retry-after 1 string '{"code":"no_healthy_upstream","message":"no upstream can take this request right now"}'`,
    `  http-error status 504 content-type "application/json; charset=utf-8" string '{"code":"gateway_timeout","message":"the upstream did not answer in time"}'`,
    'frontend web',
    `  bind ${s.bindHost}:${s.port}`,
    // Off by default: during an outage every request is a 5xx, and a line each would cost more than the requests.
    ...(s.errorLog ? ['  log stderr format raw daemon', '  option dontlog-normal', `  log-format "${ERROR_LOG_FORMAT}"`] : []),
    // The headers the built-in router sends upstream (forwardHeaders.ts); forwardfor appends to a chain.
    '  option forwardfor',
    '  http-request set-header X-Forwarded-Proto http',
    '  http-request set-header X-Forwarded-Host %[req.hdr(host)] if { req.hdr(host) -m found }',
    // Two Host headers make "which deployment" ambiguous; refuse rather than pick one.
    `  http-request deny deny_status 400 content-type "application/json; charset=utf-8" string '{"code":"bad_request","message":"more than one Host header"}' if { req.hdr_cnt(host) gt 1 }`,
    '  http-request set-var(txn.host) req.hdr(host),host_only,lower',
    `  http-request deny deny_status 413 content-type "application/json; charset=utf-8" string '{"code":"payload_too_large","message":"request body exceeds ${s.maxBodyBytes} bytes"}' if { req.hdr_val(content-length) gt ${s.maxBodyBytes} }`,
    `  use_backend %[${host},map(${p.hostsMap},${NOT_FOUND_BACKEND})]`,
    `backend ${NOT_FOUND_BACKEND}`,
    `  http-request return status 404 content-type "application/json; charset=utf-8" lf-string "{\\"code\\":\\"route_not_found\\",\\"message\\":\\"no deployment is routed at %[${host},json(utf8s)]\\"}"`,
    `backend ${REFUSED_BACKEND}`,
    `  http-request return status 503 content-type "application/json; charset=utf-8" hdr retry-after "%[${host},map(${p.retryMap},${NO_UPSTREAM_RETRY_AFTER_SECONDS})]" hdr cache-control no-store lf-string "%[${host},map(${p.bodyMap}),b64dec]"`,
  ];
  for (const name of poolNames(state)) {
    const used = state.backends[name];
    lines.push(`backend ${name}`, '  balance roundrobin');
    for (let i = 0; i < state.slotsPerBackend; i++) {
      const slot = used?.slots[i];
      if (!slot) lines.push(`  server s${i + 1} 127.0.0.1:1 disabled`);
      else if (used.role === 'draining') lines.push(`  server s${i + 1} ${slot.host}:${slot.port} weight ${slot.weight} disabled`);
      else lines.push(`  server s${i + 1} ${slot.host}:${slot.port} weight ${slot.weight}`);
    }
  }
  lines.push(
    'frontend admin',
    `  bind ${s.adminHost}:${s.adminPort}`,
    '  http-request use-service prometheus-exporter if { path /metrics }',
    `  http-request return status 200 content-type application/json string '{"ok":true}' if { path /healthz }`,
    `  http-request return status 404 content-type application/json string '{"code":"not_found"}'`,
  );

  const hosts: string[] = [];
  const bodies: string[] = [];
  const retries: string[] = [];
  for (const route of state.routes) {
    const key = hostKey(route.hostname);
    const target = hostTarget(state, route);
    hosts.push(`${key} ${target}`);
    if (target === REFUSED_BACKEND) {
      const r = refusal(route);
      bodies.push(`${key} ${encodeMapValue(r.body)}`);
      retries.push(`${key} ${r.retryAfterSeconds}`);
    }
  }
  const file = (rows: string[]) => (rows.length ? `${rows.join('\n')}\n` : '');
  return { config: `${lines.join('\n')}\n`, hostsMap: file(hosts), bodyMap: file(bodies), retryMap: file(retries) };
}
