import type { ComputeKind, RouterKind } from '../../src/config';
import { ROUTERS } from './trafficRouters';

/**
 * Suites that must hold on both compute providers run once per kind. The docker variant starts
 * a real engine and registry (tests/helpers/containerStack.ts); it is never skipped.
 */
export const PROVIDERS: ComputeKind[] = ['local', 'docker'];

/**
 * Every router in front of every provider: each router is configured from the endpoints the
 * provider reports (a free local port, or the host port the engine published), so each pair is
 * its own path to a zero-downtime switch.
 */
export const ROUTER_COMPUTE: [RouterKind, ComputeKind][] = PROVIDERS.flatMap((c) => ROUTERS.map((r): [RouterKind, ComputeKind] => [r, c]));
