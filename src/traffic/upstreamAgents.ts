import http from 'node:http';

/** Enough parallel connections per upstream for a busy app; past this, requests queue in the agent. */
export const DEFAULT_MAX_SOCKETS_PER_UPSTREAM = 256;
/** Idle keep-alive connections kept per upstream. */
export const DEFAULT_MAX_FREE_SOCKETS_PER_UPSTREAM = 32;

/**
 * One keep-alive agent per upstream origin, so connections are reused across
 * requests and a slow upstream cannot take another upstream's sockets.
 */
export class UpstreamAgents {
  private readonly agents = new Map<string, http.Agent>();

  constructor(
    private readonly options: { maxSockets?: number; maxFreeSockets?: number } = {},
  ) {}

  forOrigin(origin: string): http.Agent {
    let agent = this.agents.get(origin);
    if (!agent) {
      agent = new http.Agent({
        keepAlive: true,
        maxSockets: this.options.maxSockets ?? DEFAULT_MAX_SOCKETS_PER_UPSTREAM,
        maxFreeSockets: this.options.maxFreeSockets ?? DEFAULT_MAX_FREE_SOCKETS_PER_UPSTREAM,
        scheduling: 'lifo', // reuse the warmest socket; idle ones age out on the upstream's keep-alive timeout
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
