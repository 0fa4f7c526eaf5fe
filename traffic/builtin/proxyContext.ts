import type { Duplex } from 'node:stream';
import type { Logger } from '../../ports/logger';
import type { LoadShedder } from './loadShedder';
import type { RouteTable } from './routeTable';
import type { UpstreamPools } from './upstreamPools';
import type { PassiveHealth } from './upstreamHealth';

/** Request bodies past this answer 413; uploads bigger than this belong in object storage. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** A loopback or LAN upstream connects in milliseconds; past this it is down, not slow. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** No byte from (or to) the upstream for this long ends the request: 504 before headers, a cut after. */
export const DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS = 60_000;
/** Retry-After when a route has nothing to send traffic to: a deploy or restart is usually seconds away. */
export const NO_UPSTREAM_RETRY_AFTER_SECONDS = 5;

export interface ProxyLimits {
  maxBodyBytes: number;
  connectTimeoutMs: number;
  /** 0 disables it (only for apps that hold silent connections open on purpose). */
  upstreamIdleTimeoutMs: number;
}

/** What every proxied request reads; built once by the router. */
export interface ProxyContext {
  table: RouteTable;
  pools: UpstreamPools;
  health: PassiveHealth;
  logger: Logger;
  limits: ProxyLimits;
  shedder: LoadShedder;
  /** Client sockets of open WebSocket (Upgrade) tunnels, so close() can end them. */
  tunnels: Set<Duplex>;
}

export function defaultLimits(over: Partial<ProxyLimits> = {}): ProxyLimits {
  return {
    maxBodyBytes: over.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    connectTimeoutMs: over.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    upstreamIdleTimeoutMs: over.upstreamIdleTimeoutMs ?? DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS,
  };
}
