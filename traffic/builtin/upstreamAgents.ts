import http from 'node:http';

/** Enough parallel connections per upstream for a busy app; past this, requests queue in the agent. */
export const DEFAULT_MAX_SOCKETS_PER_UPSTREAM = 256;
/** Idle keep-alive connections kept per upstream. */
export const DEFAULT_MAX_FREE_SOCKETS_PER_UPSTREAM = 32;
/**
 * Idle pooled sockets are closed after this, just under Node's default server
 * keepAliveTimeout (5 s), so we rarely reuse a socket the app is closing. The rare race
 * left is retried by the proxy (`reusedSocket` + ECONNRESET).
 */
export const FREE_SOCKET_TIMEOUT_MS = 4_000;

/**
 * One keep-alive agent per upstream origin, so connections are reused across
 * requests and a slow upstream cannot take another upstream's sockets.
 */
export class UpstreamAgents {
  private readonly agents = new Map<string, http.Agent>();

  constructor(private readonly options: { maxSockets?: number; maxFreeSockets?: number } = {}) {}

  get size(): number {
    return this.agents.size;
  }

  /**
   * Forgets agents with no socket at all, open or pooled. Every deploy brings new
   * upstream ports, so without this the map would grow for the router's lifetime; an
   * origin still in use just gets a fresh agent on its next request.
   */
  sweepIdle(): number {
    let removed = 0;
    for (const [origin, agent] of this.agents) {
      const busy = [agent.sockets, agent.freeSockets, agent.requests].some((m) => Object.keys(m).length > 0);
      if (busy) continue;
      agent.destroy();
      this.agents.delete(origin);
      removed += 1;
    }
    return removed;
  }

  forOrigin(origin: string): http.Agent {
    let agent = this.agents.get(origin);
    if (!agent) {
      agent = new http.Agent({
        keepAlive: true,
        maxSockets: this.options.maxSockets ?? DEFAULT_MAX_SOCKETS_PER_UPSTREAM,
        maxFreeSockets: this.options.maxFreeSockets ?? DEFAULT_MAX_FREE_SOCKETS_PER_UPSTREAM,
        scheduling: 'lifo', // reuse the warmest socket; idle ones age out
        // Node applies this only to sockets in the free pool (active ones use the request's own idle timeout).
        timeout: FREE_SOCKET_TIMEOUT_MS,
      });
      this.agents.set(origin, agent);
    }
    return agent;
  }

  destroyAll(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
