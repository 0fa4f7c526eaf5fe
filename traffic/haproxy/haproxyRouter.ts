import type { RouteSpec, RouteStats, TrafficRouter, UpstreamStats } from '../../ports/traffic';
import { haproxyPaths, hostKey, hostTarget, REFUSED_BACKEND, refusal, encodeMapValue, type HaproxySettings } from './haproxyConfig';
import { loadHaproxyState, saveHaproxyState } from './haproxyFiles';
import { reloadHaproxy } from './haproxyReload';
import { emptyState, findRoute, type BackendState, type HaproxyState } from './haproxyState';
import { grown, planRemoval, planRoute, releaseDrained } from './routePlan';
import { deleteMapEntry, putMapEntry, retiringInFlight, runtimeChange, serverStats, type ServerStat } from './runtimeApi';
import { SlotCounters } from './slotCounters';
import { fieldErrors, RouteSpecSchema } from '../builtin/routeSpecSchema';

/** A route the built-in router's admin API would refuse with 400 (`status` mirrors RouterRequestError's); never sent to the socket. */
export class InvalidRouteError extends Error {
  readonly status = 400;
}

/**
 * The same validator as the built-in router's. Hostnames go into runtime API commands,
 * where a space or `;` would start another command, so nothing unchecked gets there.
 */
function validRoute(route: RouteSpec): RouteSpec {
  const parsed = RouteSpecSchema.safeParse(route);
  if (parsed.success) return parsed.data;
  const detail = fieldErrors(parsed.error)
    .map((e) => `${e.field}: ${e.message}`)
    .join('; ');
  throw new InvalidRouteError(`invalid route for ${String(route.deploymentId)}: ${detail}`);
}

/**
 * TrafficRouter over HAProxy's runtime API, for activities in the worker. Every change is
 * saved first (so a restarted HAProxy renders it), then applied through the socket; a
 * change re-applies the whole of the deployment's backends, so a retried activity
 * converges even after a half-applied attempt.
 */
export async function createHaproxyRouter(settings: HaproxySettings): Promise<TrafficRouter> {
  const paths = haproxyPaths(settings.dir);
  let state: HaproxyState = (await loadHaproxyState(settings.dir)) ?? emptyState();
  const counters = new SlotCounters();
  let queue: Promise<unknown> = Promise.resolve();
  // One change at a time: plans read the state the previous change left.
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  /** The current worker's rows, with what old workers still have in flight on the same slots added to `scur`. */
  async function liveStats(): Promise<ServerStat[]> {
    const [rows, retiring] = await Promise.all([serverStats(paths.adminSocket), retiringInFlight(paths.masterSocket)]);
    if (retiring.size === 0) return rows;
    return rows.map((r) => ({ ...r, scur: r.scur + (retiring.get(`${r.backend}/${r.server}`) ?? 0) }));
  }

  async function sync(stats: ServerStat[]): Promise<void> {
    const inFlight = new Map<string, number>();
    for (const s of stats) inFlight.set(s.backend, (inFlight.get(s.backend) ?? 0) + s.scur);
    counters.observe(state, stats);
    const released = releaseDrained(state, inFlight);
    if (released === state) return;
    for (const [name, b] of Object.entries(state.backends)) if (!released.backends[name]) counters.retire(name, b);
    state = released;
    await saveHaproxyState(state, settings);
  }

  async function applyBackend(name: string, b: BackendState | undefined): Promise<void> {
    for (let i = 0; i < state.slotsPerBackend; i++) {
      const server = `${name}/s${i + 1}`;
      const slot = b?.slots[i];
      if (!slot) {
        await runtimeChange(paths.adminSocket, `set server ${server} state maint`);
        continue;
      }
      await runtimeChange(paths.adminSocket, `set server ${server} addr ${slot.host} port ${slot.port}`);
      await runtimeChange(paths.adminSocket, `set server ${server} weight ${slot.weight}`);
      await runtimeChange(paths.adminSocket, `set server ${server} state ${b.role === 'active' ? 'ready' : 'drain'}`);
    }
  }

  /** New servers ready first, then the host re-pointed in one map update, then the old set drains. */
  async function apply(route: RouteSpec, previous: RouteSpec | undefined): Promise<void> {
    const mine = Object.entries(state.backends).filter(([, b]) => b.deploymentId === route.deploymentId);
    for (const [name, b] of mine.filter(([, x]) => x.role === 'active')) await applyBackend(name, b);
    const key = hostKey(route.hostname);
    const target = hostTarget(state, route);
    if (target === REFUSED_BACKEND) {
      const r = refusal(route);
      await putMapEntry(paths.adminSocket, paths.bodyMap, key, encodeMapValue(r.body));
      await putMapEntry(paths.adminSocket, paths.retryMap, key, String(r.retryAfterSeconds));
    }
    await putMapEntry(paths.adminSocket, paths.hostsMap, key, target);
    if (previous && hostKey(previous.hostname) !== key) await deleteMapEntry(paths.adminSocket, paths.hostsMap, hostKey(previous.hostname));
    for (const [name, b] of mine.filter(([, x]) => x.role === 'draining')) await applyBackend(name, b);
  }

  async function grow(to: { poolSize: number; slotsPerBackend: number }): Promise<void> {
    state = grown(state, to);
    await saveHaproxyState(state, settings);
    await reloadHaproxy(paths, state);
  }

  return {
    setRoute: (input) =>
      serial(async () => {
        const route = validRoute(input);
        await sync(await liveStats());
        const previous = findRoute(state, route.deploymentId);
        let next = planRoute(state, route);
        if ('grow' in next) {
          await grow(next.grow);
          next = planRoute(state, route);
          if ('grow' in next) throw new Error(`HAProxy pool still too small after growing to ${state.poolSize}×${state.slotsPerBackend}`);
        }
        counters.assign(next, await serverStats(paths.adminSocket));
        state = next;
        await saveHaproxyState(state, settings);
        await apply(route, previous);
      }),
    // Behind any change in progress, like the built-in router's GET after its PUT: a route is seen once it is applied.
    getRoute: (deploymentId) => serial(async () => findRoute(state, deploymentId) ?? null),
    removeRoute: (deploymentId) =>
      serial(async () => {
        const previous = findRoute(state, deploymentId);
        if (!previous) return;
        state = planRemoval(state, deploymentId);
        await saveHaproxyState(state, settings);
        await deleteMapEntry(paths.adminSocket, paths.hostsMap, hostKey(previous.hostname));
        for (const [name, b] of Object.entries(state.backends).filter(([, x]) => x.deploymentId === deploymentId))
          await applyBackend(name, b);
      }),
    stats: (deploymentId) =>
      serial(async (): Promise<RouteStats | null> => {
        if (!findRoute(state, deploymentId)) return null;
        const stats = await liveStats();
        await sync(stats);
        const upstreams: UpstreamStats[] = counters.totals(deploymentId, state, stats);
        return { deploymentId, upstreams };
      }),
  };
}
