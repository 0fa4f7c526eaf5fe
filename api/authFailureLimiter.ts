import type { Clock } from '../ports/clock';

/** 20 failed token checks per 10 s per address: far above a mistyped token, far below a guessing run. */
export const DEFAULT_AUTH_FAILURE_LIMIT = { maxFailures: 20, windowSeconds: 10 } as const;
/** Bounds the memory an attacker with many addresses can make us spend. */
const MAX_TRACKED = 10_000;

export interface AuthFailureLimits {
  maxFailures: number;
  windowSeconds: number;
}

/**
 * Counts failed token checks per client address in fixed windows. Once an address is over
 * the limit its requests are refused before the database is asked, until its window ends;
 * a token that succeeded from that address recently still gets through, so an attacker
 * behind the same NAT cannot lock a working client out.
 */
export class AuthFailureLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();
  private readonly trusted = new Map<string, number>();

  constructor(
    private readonly limits: AuthFailureLimits = DEFAULT_AUTH_FAILURE_LIMIT,
    private readonly clock: Pick<Clock, 'now'> = { now: () => Date.now() },
  ) {}

  /** Seconds until `address` may try again, or 0 if it may try now. */
  retryAfterSeconds(address: string, tokenHash: string): number {
    const now = this.clock.now();
    const entry = this.failures.get(address);
    if (!entry || entry.resetAt <= now || entry.count < this.limits.maxFailures) return 0;
    if ((this.trusted.get(`${address} ${tokenHash}`) ?? 0) > now) return 0;
    return Math.max(1, Math.ceil((entry.resetAt - now) / 1000));
  }

  recordFailure(address: string): void {
    const now = this.clock.now();
    const entry = this.failures.get(address);
    if (entry && entry.resetAt > now) {
      entry.count += 1;
      return;
    }
    sweep(this.failures, now, (e) => e.resetAt);
    this.failures.set(address, { count: 1, resetAt: now + this.limits.windowSeconds * 1000 });
  }

  recordSuccess(address: string, tokenHash: string): void {
    const now = this.clock.now();
    const key = `${address} ${tokenHash}`;
    if (!this.trusted.has(key)) sweep(this.trusted, now, (until) => until);
    // Trusted for ten windows: long enough to ride out an attack, short enough to age out.
    this.trusted.set(key, now + 10 * this.limits.windowSeconds * 1000);
  }
}

/** Drops expired entries once the map is full, and the oldest ones if that is not enough. */
function sweep<V>(map: Map<string, V>, now: number, expiry: (v: V) => number): void {
  if (map.size < MAX_TRACKED) return;
  for (const [k, v] of map) if (expiry(v) <= now) map.delete(k);
  for (const k of map.keys()) {
    if (map.size < MAX_TRACKED) break;
    map.delete(k);
  }
}
