/** How a delivery that failed is tried again: exponential backoff with a cap, then given up. */
export interface DeliveryRetryPolicy {
  /** Wait before the second attempt; doubles each time. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
}

/** About 8.5 minutes of retries in all: a receiver restarting or briefly down still gets the event. */
export const DEFAULT_DELIVERY_RETRY: DeliveryRetryPolicy = { initialDelayMs: 2000, maxDelayMs: 5 * 60_000, maxAttempts: 8 };

/** After `attempts` failed attempts: when to try next, or null to give up. */
export function nextAttemptDelayMs(attempts: number, p: DeliveryRetryPolicy): number | null {
  if (attempts >= p.maxAttempts) return null;
  return Math.min(p.maxDelayMs, p.initialDelayMs * 2 ** Math.max(0, attempts - 1));
}
