import type { RouteSpec } from '../../ports/traffic';
import { activeBackend, poolNames, type HaproxyState, type Slot } from './haproxyState';

/** HAProxy server weights run 0–256; route weights are relative, so they are scaled, keeping any non-zero weight ≥ 1. */
export const MAX_HAPROXY_WEIGHT = 256;

export function scaleWeights(weights: number[]): number[] {
  const max = Math.max(0, ...weights);
  if (max === 0) return weights.map(() => 0);
  return weights.map((w) => (w <= 0 ? 0 : Math.max(1, Math.round((w * MAX_HAPROXY_WEIGHT) / max))));
}

export function toSlots(spec: RouteSpec): Slot[] {
  const weights = scaleWeights(spec.upstreams.map((u) => u.weight));
  return spec.upstreams.map((u, i) => {
    const url = new URL(u.url);
    return { key: u.key, host: url.hostname, port: Number(url.port || 80), weight: weights[i] };
  });
}

/** The pool is too small for this route: reload with at least this much. */
export interface Growth {
  grow: { poolSize: number; slotsPerBackend: number };
}

const sameTargets = (a: (Slot | null)[], b: Slot[]) => {
  const live = a.filter((s): s is Slot => s !== null);
  return live.length === b.length && b.every((s, i) => live[i].key === s.key && live[i].host === s.host && live[i].port === s.port);
};

function withoutActive(state: HaproxyState, deploymentId: string): HaproxyState['backends'] {
  const backends = { ...state.backends };
  const current = activeBackend(state, deploymentId);
  if (current) backends[current] = { ...backends[current], role: 'draining' };
  return backends;
}

/**
 * The next state for a route change, pure. Same upstreams with new weights: weights change
 * in place (canary steps). Another upstream set: a free backend gets it and the old one
 * drains, so the host flips from one complete set to the other in a single map update.
 * Suspended or empty: the host points at the refusal backend and the old set drains.
 */
export function planRoute(state: HaproxyState, spec: RouteSpec): HaproxyState | Growth {
  const routes = [...state.routes.filter((r) => r.deploymentId !== spec.deploymentId), spec];
  const slots = toSlots(spec);
  if (spec.suspended || slots.length === 0) return { ...state, routes, backends: withoutActive(state, spec.deploymentId) };

  const current = activeBackend(state, spec.deploymentId);
  if (current && sameTargets(state.backends[current].slots, slots)) {
    const padded = [...slots, ...Array<null>(state.slotsPerBackend - slots.length).fill(null)];
    return { ...state, routes, backends: { ...state.backends, [current]: { ...state.backends[current], slots: padded } } };
  }
  const free = poolNames(state).find((name) => !state.backends[name]);
  if (slots.length > state.slotsPerBackend || !free) {
    return {
      grow: {
        poolSize: free ? state.poolSize : state.poolSize * 2,
        slotsPerBackend: Math.max(state.slotsPerBackend, 2 ** Math.ceil(Math.log2(slots.length))),
      },
    };
  }
  const backends = withoutActive(state, spec.deploymentId);
  backends[free] = {
    deploymentId: spec.deploymentId,
    role: 'active',
    slots: [...slots, ...Array<null>(state.slotsPerBackend - slots.length).fill(null)],
  };
  return { ...state, routes, backends };
}

export function planRemoval(state: HaproxyState, deploymentId: string): HaproxyState {
  return { ...state, routes: state.routes.filter((r) => r.deploymentId !== deploymentId), backends: withoutActive(state, deploymentId) };
}

/** Draining backends with nothing left in flight go back to the pool. */
export function releaseDrained(state: HaproxyState, inFlightByBackend: Map<string, number>): HaproxyState {
  const backends = { ...state.backends };
  let changed = false;
  for (const [name, b] of Object.entries(backends)) {
    if (b.role === 'draining' && (inFlightByBackend.get(name) ?? 0) === 0) {
      delete backends[name];
      changed = true;
    }
  }
  return changed ? { ...state, backends } : state;
}

/** A bigger pool keeps every backend and slot where it was, so running servers keep their names across the reload. */
export function grown(state: HaproxyState, to: Growth['grow']): HaproxyState {
  const backends = Object.fromEntries(
    Object.entries(state.backends).map(([name, b]) => [
      name,
      { ...b, slots: [...b.slots, ...Array<null>(to.slotsPerBackend - b.slots.length).fill(null)] },
    ]),
  );
  return { ...state, poolSize: to.poolSize, slotsPerBackend: to.slotsPerBackend, backends };
}
