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

/**
 * The kubernetes variants need the host's one real node (kwok pods serve no traffic, and these
 * suites assert on traffic), which costs a cluster start per suite and waits under a host-wide
 * lock. What they prove does not depend on which Temporal server runs the workflows, so they run
 * in the first pass of `npm test` only: `test:server` sets SLIPWAY_TEST_KUBERNETES=off.
 */
const kubernetesSuites = process.env.SLIPWAY_TEST_KUBERNETES !== 'off';

/** PROVIDERS plus kubernetes (crash adoption: what the new worker finds comes from the API's list/status). */
export const PROVIDERS_AND_KUBERNETES: ComputeKind[] = [...PROVIDERS, ...(kubernetesSuites ? (['kubernetes'] as const) : [])];

/**
 * ROUTER_COMPUTE plus kubernetes behind the built-in router only: the router path to a ClusterIP
 * is the same for HAProxy, so a second router would double the real-node time and prove nothing new.
 */
export const ROUTER_COMPUTE_AND_KUBERNETES: [RouterKind, ComputeKind][] = [
  ...ROUTER_COMPUTE,
  ...(kubernetesSuites ? [['builtin', 'kubernetes'] as [RouterKind, ComputeKind]] : []),
];
