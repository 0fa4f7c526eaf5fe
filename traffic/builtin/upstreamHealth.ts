/** How long an upstream that refused or reset a connection is left out of rotation. */
export const DEFAULT_UNHEALTHY_COOLDOWN_MS = 2_000;

/** Past this many remembered failures, expired ones are swept on the next failure. */
const SWEEP_AT = 1_000;

/**
 * Passive health: no probes, just what real requests saw. An upstream origin that
 * could not be reached is skipped for a short cool-down, then tried again by the next
 * request; one that answers anything is healthy at once. Keyed by origin, so two
 * route versions pointing at the same process share what they learned.
 */
export class PassiveHealth {
  private readonly downUntil = new Map<string, number>();

  constructor(
    private readonly cooldownMs: number = DEFAULT_UNHEALTHY_COOLDOWN_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** What a 503 tells clients: about when a skipped upstream is tried again. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.cooldownMs / 1000));
  }

  markFailed(origin: string): void {
    if (this.cooldownMs <= 0) return;
    if (this.downUntil.size >= SWEEP_AT) this.sweep();
    this.downUntil.set(origin, this.now() + this.cooldownMs);
  }

  markHealthy(origin: string): void {
    this.downUntil.delete(origin);
  }

  isHealthy(origin: string): boolean {
    const until = this.downUntil.get(origin);
    if (until === undefined) return true;
    if (this.now() < until) return false;
    this.downUntil.delete(origin);
    return true;
  }

  private sweep(): void {
    const now = this.now();
    for (const [origin, until] of this.downUntil) if (until <= now) this.downUntil.delete(origin);
  }
}
