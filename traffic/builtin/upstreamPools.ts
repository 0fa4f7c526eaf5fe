import { Pool } from 'undici';
import { UpstreamClient } from './upstreamClient';

/** Enough parallel connections per upstream for a busy app; past this, requests queue in the pool. */
export const DEFAULT_MAX_SOCKETS_PER_UPSTREAM = 256;
/**
 * Idle pooled connections are closed after this, just under Node's default server
 * keepAliveTimeout (5 s), so we rarely reuse a socket the app is closing. The rare race
 * left is retried by the proxy (a reused socket + a reset).
 */
export const FREE_SOCKET_TIMEOUT_MS = 4_000;
/** An app's `Keep-Alive: timeout=N` hint is trusted up to N minus this (undici's default margin). */
const KEEP_ALIVE_HINT_MARGIN_MS = 1_000;

export interface UpstreamPoolOptions {
  connections?: number;
  /** 0 leaves connecting unbounded. */
  connectTimeoutMs: number;
  keepAliveTimeoutMs?: number;
}

/**
 * One undici pool per upstream origin, so connections are reused across requests and a
 * slow upstream cannot take another upstream's connections.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: UpstreamPoolOptions) {}

  get size(): number {
    return this.pools.size;
  }

  /**
   * Forgets pools with no connection and no request, open, running or queued. Every
   * deploy brings new upstream ports, so without this the map would grow for the
   * router's lifetime; an origin still in use just gets a fresh pool on its next request.
   * `close()` rather than `destroy()`: it lets anything the stats missed finish.
   */
  sweepIdle(): number {
    let removed = 0;
    for (const [origin, pool] of this.pools) {
      const { connected, size, queued } = pool.stats;
      if (connected > 0 || size > 0 || queued > 0) continue;
      this.pools.delete(origin);
      void pool.close();
      removed += 1;
    }
    return removed;
  }

  forOrigin(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      const keepAliveTimeout = this.options.keepAliveTimeoutMs ?? FREE_SOCKET_TIMEOUT_MS;
      pool = new Pool(origin, {
        connections: this.options.connections ?? DEFAULT_MAX_SOCKETS_PER_UPSTREAM,
        // One request per connection at a time, as http.Agent: a request is never queued
        // behind another on a socket, so a failed one never takes a second one down with it.
        pipelining: 1,
        connectTimeout: this.options.connectTimeoutMs,
        keepAliveTimeout,
        keepAliveMaxTimeout: keepAliveTimeout,
        keepAliveTimeoutThreshold: KEEP_ALIVE_HINT_MARGIN_MS,
        // The proxy runs its own idle timeout (no byte either way), as the agent-based one did.
        headersTimeout: 0,
        bodyTimeout: 0,
        factory: (url, opts) => new UpstreamClient(url, opts),
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  destroyAll(): void {
    for (const pool of this.pools.values()) void pool.destroy();
    this.pools.clear();
  }
}
