/** Open log streams per token; 20 follow a whole rollout's operations, more is a leak or an attack. */
export const MAX_LOG_STREAMS_PER_TOKEN = 20;
/** How often an open stream asks the database whether its token is still valid. */
export const TOKEN_RECHECK_MS = 1_000;

/**
 * The log streams this API instance holds open, by token, so a revocation here ends them at
 * once and the app can end them all when it closes. A revocation through another instance
 * reaches a stream through its own periodic check of the token (logStream.ts).
 */
/** Ends one stream; `status` is what its last `event: end` says. */
export type EndStream = (status: 'token_revoked' | 'server_closing') => void;

export class LogStreams {
  private readonly byToken = new Map<string, Set<EndStream>>();

  constructor(readonly maxPerToken = MAX_LOG_STREAMS_PER_TOKEN) {}

  hasRoom(tokenId: string): boolean {
    return (this.byToken.get(tokenId)?.size ?? 0) < this.maxPerToken;
  }

  add(tokenId: string, stop: EndStream): void {
    let set = this.byToken.get(tokenId);
    if (!set) this.byToken.set(tokenId, (set = new Set()));
    set.add(stop);
  }

  delete(tokenId: string, stop: EndStream): void {
    const set = this.byToken.get(tokenId);
    if (!set) return;
    set.delete(stop);
    if (set.size === 0) this.byToken.delete(tokenId);
  }

  endForToken(tokenId: string): void {
    for (const stop of [...(this.byToken.get(tokenId) ?? [])]) stop('token_revoked');
  }

  endAll(): void {
    for (const set of [...this.byToken.values()]) for (const stop of [...set]) stop('server_closing');
  }
}
