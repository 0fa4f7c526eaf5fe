import { setTimeout as sleep } from 'node:timers/promises';
import { runtimeCommand, serverStats } from './runtimeApi';
import { backendName, type HaproxyState } from './haproxyState';

/** A reload parses the configuration and hands the listeners over; well under a second here. */
export const RELOAD_TIMEOUT_MS = 30_000;

/** Resolves once the HAProxy behind `adminSocket` has every backend and slot of `state`'s pool. */
export async function waitForPool(
  adminSocket: string,
  state: Pick<HaproxyState, 'poolSize' | 'slotsPerBackend'>,
  timeoutMs = RELOAD_TIMEOUT_MS,
): Promise<void> {
  const last = backendName(state.poolSize - 1);
  const lastSlot = `s${state.slotsPerBackend}`;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const stats = await serverStats(adminSocket);
      if (stats.some((s) => s.backend === last && s.server === lastSlot)) return;
    } catch (err) {
      lastError = err; // the socket is briefly gone while a worker takes over
    }
    await sleep(100);
  }
  throw new Error(`HAProxy did not come up with ${last}/${lastSlot} within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}

/**
 * Hitless reload through the master CLI: the master starts a new worker on the rendered
 * configuration, passes it the listening sockets, and the old worker finishes its
 * requests. Only for growing the pool; switches never reload.
 */
export async function reloadHaproxy(paths: { masterSocket: string; adminSocket: string }, state: HaproxyState): Promise<void> {
  await runtimeCommand(paths.masterSocket, 'reload');
  await waitForPool(paths.adminSocket, state);
}
