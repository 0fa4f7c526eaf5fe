import { performance } from 'node:perf_hooks';

/**
 * Requests in flight (sent or waiting for an upstream socket) per route before new ones
 * are refused. Past this, queueing only adds latency: an open-loop client at twice the
 * capacity would wait seconds for every request instead of hearing "retry" at once.
 */
export const DEFAULT_MAX_IN_FLIGHT_PER_ROUTE = 512;
/**
 * Event-loop lag above which the proxy refuses new requests. Lag is what a saturated CPU
 * looks like from inside Node: every queued request waits behind it, so admitting more
 * only makes every answer later.
 */
export const DEFAULT_MAX_EVENT_LOOP_LAG_MS = 150;
/**
 * The lag guard only acts while the router is this busy: a stall with a handful of
 * requests in flight (GC, a slow disk write, a test process doing other work) is not
 * overload, and refusing then would fail requests a quiet router could serve.
 */
export const DEFAULT_MIN_IN_FLIGHT_FOR_LAG_SHEDDING = 64;
/**
 * Open client connections before a new one is answered 503 and closed. Every connection
 * can hold one request the router has not read yet, queued in the kernel where neither
 * the per-route bound nor the lag guard sees it; this bounds that hidden queue. Idle
 * keep-alive connections count too, so it sits well above what one busy host keeps open.
 */
export const DEFAULT_MAX_CONNECTIONS = 4096;
/** A shed request can come back almost at once: the overload passes within a second when the load drops. */
export const SHED_RETRY_AFTER_SECONDS = 1;
const SAMPLE_MS = 25;

export interface LoadShedderOptions {
  maxInFlightPerRoute?: number;
  maxEventLoopLagMs?: number;
  minInFlightForLagShedding?: number;
  maxConnections?: number;
}

export type ShedReason = 'route_saturated' | 'router_overloaded';

/** Admission control for the proxy: a bounded queue per route and a lag guard for the process. */
export class LoadShedder {
  readonly maxInFlightPerRoute: number;
  readonly maxEventLoopLagMs: number;
  readonly minInFlightForLagShedding: number;
  readonly maxConnections: number;
  /** Requests refused so far, by reason. */
  readonly shed: Record<ShedReason, number> = { route_saturated: 0, router_overloaded: 0 };
  private lagMs = 0;
  /** Proxied requests of every route still open. */
  private inFlight = 0;
  private connections = 0;
  private last = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(opts: LoadShedderOptions = {}) {
    this.maxInFlightPerRoute = opts.maxInFlightPerRoute ?? DEFAULT_MAX_IN_FLIGHT_PER_ROUTE;
    this.maxEventLoopLagMs = opts.maxEventLoopLagMs ?? DEFAULT_MAX_EVENT_LOOP_LAG_MS;
    this.minInFlightForLagShedding = opts.minInFlightForLagShedding ?? DEFAULT_MIN_IN_FLIGHT_FOR_LAG_SHEDDING;
    this.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.timer = setInterval(() => {
      const now = performance.now();
      const lag = Math.max(0, now - this.last - SAMPLE_MS);
      this.last = now;
      // Rises at once, halves per quiet sample: a short stall does not shed for long.
      this.lagMs = Math.max(lag, this.lagMs / 2);
    }, SAMPLE_MS);
    this.timer.unref();
  }

  get eventLoopLagMs(): number {
    return this.lagMs;
  }

  /** Null admits the request; otherwise why it is refused. */
  check(routeInFlight: number): ShedReason | null {
    let reason: ShedReason | null = null;
    if (routeInFlight >= this.maxInFlightPerRoute) reason = 'route_saturated';
    else if (this.overloaded()) reason = 'router_overloaded';
    if (reason) this.shed[reason] += 1;
    return reason;
  }

  /**
   * Counts a new client connection until it closes; false when it arrived past the
   * connection bound. Its request is then refused as soon as it is read, before any
   * routing work, and the connection closed. Lag is not checked here: the request on a
   * connection accepted during a stall may be read after it, and the per-request check
   * already refuses what arrives while the loop lags (closing those connections would
   * only make their clients reconnect into the same overload).
   */
  acceptConnection(socket: { once(event: 'close', listener: () => void): unknown }): boolean {
    this.connections += 1;
    socket.once('close', () => {
      this.connections -= 1;
    });
    return this.connections <= this.maxConnections;
  }

  /** A refusal decided at accept, counted when the refused request is answered. */
  refusedAtAccept(): void {
    this.shed.router_overloaded += 1;
  }

  private overloaded(): boolean {
    return this.lagMs > this.maxEventLoopLagMs && this.inFlight >= this.minInFlightForLagShedding;
  }

  /** Counts an admitted request until its response closes (finished or cut). */
  admitted(res: { once(event: 'close', listener: () => void): unknown }): void {
    this.inFlight += 1;
    res.once('close', () => {
      this.inFlight -= 1;
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
