import type { ComputeKind, RouterKind } from '../../src/config';
import { ROUTERS } from './trafficRouters';

/**
 * Suites that must hold on both compute providers run once per kind. The docker variant starts
 * a real engine and registry (tests/helpers/containerStack.ts); it is never skipped.
 */
export const PROVIDERS: ComputeKind[] = ['local', 'docker'];

/**
 * Every router on the local provider, and containers behind the built-in router: the router
 * code does not change with the provider, so the full cross product would only add run time.
 */
export const ROUTER_COMPUTE: [RouterKind, ComputeKind][] = [
  ...ROUTERS.map((r): [RouterKind, ComputeKind] => [r, 'local']),
  ['builtin', 'docker'],
];
