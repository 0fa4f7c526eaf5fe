import { z } from 'zod';
import { RouteSpecSchema } from '../builtin/routeSpecSchema';
import type { RouteSpec } from '../../ports/traffic';

/**
 * Everything HAProxy's running configuration is derived from, saved by the worker's
 * HaproxyRouter after every change. HAProxy's runtime changes live in memory only, so a
 * (re)started HAProxy reads a configuration rendered from this file and serves exactly
 * what it served before.
 *
 * Backends come from a pool (`be_000` … `be_<poolSize-1>`, each with `slotsPerBackend`
 * server slots) because HAProxy 2.6 cannot add a backend at runtime. A deployment's
 * route lives in one backend; a change of its upstream set fills a free backend and
 * re-points the host in one `set map` (atomic), and the old backend drains.
 */
export const SlotSchema = z.object({
  key: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  weight: z.number().int().min(0).max(256),
});
export type Slot = z.infer<typeof SlotSchema>;

export const BackendSchema = z.object({
  deploymentId: z.string().min(1),
  /** `active` takes new requests for its host; `draining` only finishes what it started. */
  role: z.enum(['active', 'draining']),
  /** Index i is server slot `s<i+1>`; null is a free slot (maint). */
  slots: z.array(SlotSchema.nullable()),
});
export type BackendState = z.infer<typeof BackendSchema>;

export const HaproxyStateSchema = z.object({
  version: z.literal(1),
  poolSize: z.number().int().min(1),
  slotsPerBackend: z.number().int().min(1),
  routes: z.array(RouteSpecSchema),
  /** Backends in use, by name; a name of the pool missing here is free. */
  backends: z.record(z.string(), BackendSchema),
});
export type HaproxyState = z.infer<typeof HaproxyStateSchema>;

/** Enough for a small platform without a reload; the pool doubles when it runs out. */
export const DEFAULT_POOL = { poolSize: 64, slotsPerBackend: 4 } as const;

export function emptyState(pool: { poolSize: number; slotsPerBackend: number } = DEFAULT_POOL): HaproxyState {
  return { version: 1, poolSize: pool.poolSize, slotsPerBackend: pool.slotsPerBackend, routes: [], backends: {} };
}

export function backendName(index: number): string {
  return `be_${String(index).padStart(3, '0')}`;
}

export function poolNames(state: Pick<HaproxyState, 'poolSize'>): string[] {
  return Array.from({ length: state.poolSize }, (_, i) => backendName(i));
}

/** The active backend of a deployment, if its route has one (suspended or empty routes have none). */
export function activeBackend(state: HaproxyState, deploymentId: string): string | undefined {
  return Object.entries(state.backends).find(([, b]) => b.deploymentId === deploymentId && b.role === 'active')?.[0];
}

export function findRoute(state: HaproxyState, deploymentId: string): RouteSpec | undefined {
  return state.routes.find((r) => r.deploymentId === deploymentId);
}
