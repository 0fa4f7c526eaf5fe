import type { UpstreamStats } from '../../ports/traffic';
import { findRoute, type BackendState, type HaproxyState } from './haproxyState';
import type { ServerStat } from './runtimeApi';

interface Count {
  requests: number;
  errors5xx: number;
  connectErrors: number;
}

const ZERO: Count = { requests: 0, errors5xx: 0, connectErrors: 0 };
const add = (a: Count, b: Count): Count => ({
  requests: a.requests + b.requests,
  errors5xx: a.errors5xx + b.errors5xx,
  connectErrors: a.connectErrors + b.connectErrors,
});
const sub = (a: Count, b: Count): Count => ({
  requests: a.requests - b.requests,
  errors5xx: a.errors5xx - b.errors5xx,
  connectErrors: a.connectErrors - b.connectErrors,
});
const countOf = (s: ServerStat | undefined): Count => (s ? { requests: s.stot, errors5xx: s.hrsp5xx, connectErrors: s.econ } : ZERO);

/**
 * HAProxy counts per server slot since its worker started; Slipway counts per revision
 * key for as long as the route knows it. A slot's count is taken relative to a baseline
 * from when the key got it; a key that leaves a slot keeps what it had ("retired"); a
 * counter that went backwards means a reload or restart reset it, and counting goes on
 * from zero without losing what was seen before.
 */
export class SlotCounters {
  private slots = new Map<string, { deploymentId: string; key: string; base: Count; last: Count }>();
  private retired = new Map<string, Map<string, Count>>();

  /** Baselines the slots a planned state gives to new keys, from counters read before they take traffic. */
  assign(next: HaproxyState, stats: ServerStat[]): void {
    const byId = index(stats);
    for (const [name, b] of Object.entries(next.backends)) {
      b.slots.forEach((slot, i) => {
        const id = `${name}/s${i + 1}`;
        const held = this.slots.get(id);
        if (!slot) {
          if (held) this.release(id);
          return;
        }
        if (held && held.key === slot.key && held.deploymentId === b.deploymentId) return;
        if (held) this.release(id);
        const now = countOf(byId.get(id));
        this.slots.set(id, { deploymentId: b.deploymentId, key: slot.key, base: now, last: now });
      });
    }
  }

  /**
   * Follows every slot of `state`. A slot nobody baselined (the worker restarted on a saved
   * state) is adopted at its current count: counting goes on from zero, in-flight is exact.
   */
  observe(state: HaproxyState, stats: ServerStat[]): void {
    const byId = index(stats);
    for (const [name, b] of Object.entries(state.backends)) {
      b.slots.forEach((slot, i) => {
        const id = `${name}/s${i + 1}`;
        if (!slot || this.slots.has(id)) return;
        const now = countOf(byId.get(id));
        this.slots.set(id, { deploymentId: b.deploymentId, key: slot.key, base: now, last: now });
      });
    }
    for (const [id, held] of this.slots) {
      const row = byId.get(id);
      if (!row) continue;
      const now = countOf(row);
      if (now.requests < held.last.requests) {
        this.keep(held.deploymentId, held.key, sub(held.last, held.base));
        held.base = ZERO;
      }
      held.last = now;
    }
  }

  /** A backend went back to the pool: its keys keep their counts. */
  retire(name: string, b: BackendState): void {
    b.slots.forEach((_, i) => this.release(`${name}/s${i + 1}`));
  }

  totals(deploymentId: string, state: HaproxyState, stats: ServerStat[]): UpstreamStats[] {
    const byId = index(stats);
    const out = new Map<string, UpstreamStats>();
    const entry = (key: string) => {
      let u = out.get(key);
      if (!u) {
        u = { key, requests: 0, finished: 0, errors5xx: 0, inFlight: 0, connectErrors: 0, healthy: true };
        out.set(key, u);
      }
      return u;
    };
    const order = findRoute(state, deploymentId)?.upstreams.map((u) => u.key) ?? [];
    const retired = this.retired.get(deploymentId) ?? new Map<string, Count>();
    for (const [key, c] of retired) {
      // Like the built-in router, an upstream that left the route and has nothing in flight is forgotten.
      if (!order.includes(key)) {
        retired.delete(key);
        continue;
      }
      const u = entry(key);
      u.requests += c.requests;
      u.finished! += c.requests;
      u.errors5xx += c.errors5xx;
      u.connectErrors! += c.connectErrors;
    }
    for (const [id, held] of this.slots) {
      if (held.deploymentId !== deploymentId) continue;
      const row = byId.get(id);
      const c = sub(held.last, held.base);
      const u = entry(held.key);
      const inFlight = row?.scur ?? 0;
      u.requests += c.requests;
      u.finished! += Math.max(0, c.requests - inFlight);
      u.errors5xx += c.errors5xx;
      u.connectErrors! += c.connectErrors;
      u.inFlight += inFlight;
      const backend = state.backends[id.split('/')[0]];
      if (backend?.role === 'active' && row && /DOWN/.test(row.status)) u.healthy = false;
    }
    // Like the built-in router: the route's upstreams in route order, then the ones still draining.
    const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
    return [...out.values()].sort((a, b) => rank(a.key) - rank(b.key));
  }

  private release(id: string): void {
    const held = this.slots.get(id);
    if (!held) return;
    this.keep(held.deploymentId, held.key, sub(held.last, held.base));
    this.slots.delete(id);
  }

  private keep(deploymentId: string, key: string, c: Count): void {
    let m = this.retired.get(deploymentId);
    if (!m) this.retired.set(deploymentId, (m = new Map()));
    m.set(key, add(m.get(key) ?? ZERO, c));
  }
}

function index(stats: ServerStat[]): Map<string, ServerStat> {
  return new Map(stats.map((s) => [`${s.backend}/${s.server}`, s]));
}
