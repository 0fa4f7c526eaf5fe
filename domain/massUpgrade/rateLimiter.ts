/**
 * A token bucket on workflow time (deterministic inside a workflow: Date.now() there is
 * the workflow clock). `ratePerMinute` tokens drip in per minute up to `capacity`; each
 * started upgrade takes one. A null rate means no limit.
 */
export interface Bucket {
  tokens: number;
  atMs: number;
}

export function newBucket(nowMs: number, capacity: number): Bucket {
  return { tokens: capacity, atMs: nowMs };
}

/** The bucket topped up to `nowMs`. */
export function refill(b: Bucket, nowMs: number, ratePerMinute: number, capacity: number): Bucket {
  const elapsed = Math.max(0, nowMs - b.atMs);
  return { tokens: Math.min(capacity, b.tokens + (elapsed * ratePerMinute) / 60_000), atMs: Math.max(b.atMs, nowMs) };
}

/** Whole tokens available now (how many upgrades may start at once). */
export function available(b: Bucket, nowMs: number, ratePerMinute: number | null, capacity: number): number {
  if (ratePerMinute === null) return Number.POSITIVE_INFINITY;
  return Math.floor(refill(b, nowMs, ratePerMinute, capacity).tokens + 1e-9);
}

/** Takes `n` tokens (the caller checked `available`). */
export function take(b: Bucket, nowMs: number, ratePerMinute: number | null, capacity: number, n: number): Bucket {
  if (ratePerMinute === null) return { tokens: b.tokens, atMs: nowMs };
  const r = refill(b, nowMs, ratePerMinute, capacity);
  return { tokens: r.tokens - n, atMs: r.atMs };
}

/** Milliseconds until one whole token is there (0 when one is there already). */
export function msUntilToken(b: Bucket, nowMs: number, ratePerMinute: number | null, capacity: number): number {
  if (ratePerMinute === null) return 0;
  const r = refill(b, nowMs, ratePerMinute, capacity);
  if (r.tokens >= 1 - 1e-9) return 0;
  return Math.ceil(((1 - r.tokens) * 60_000) / ratePerMinute);
}

/** Burst size: enough to fill the concurrency window once, but never more than a minute's worth. */
export function bucketCapacity(ratePerMinute: number | null, maxConcurrency: number): number {
  if (ratePerMinute === null) return maxConcurrency;
  return Math.max(1, Math.min(maxConcurrency, Math.floor(ratePerMinute)));
}
