import { z } from 'zod';
import type { RouteSpec, RouteStats } from '../ports/traffic';
import type { Revision } from '../db/schema';

export const RevisionTrafficView = z.object({
  revision: z.string().describe('revision key without its replica suffix'),
  version: z.string().nullable(),
  configRevision: z.number().nullable(),
  slot: z.string().nullable(),
  replicas: z.number().describe('upstreams of this revision in the route or the counters'),
  weight: z.number().describe('share of new requests, 0-100 (0: draining or out of the route)'),
  requests: z.number().describe('cumulative; a client derives req/s from two samples'),
  errors5xx: z.number().describe('cumulative'),
  inFlight: z.number(),
  p99Ms: z.number().nullable().describe('the slowest replica estimate'),
  healthy: z.boolean(),
});

export const TrafficView = z.object({
  deploymentId: z.string(),
  sampledAt: z.string().describe('ISO 8601; pair with the previous sample for rates'),
  suspended: z.boolean(),
  revisions: z.array(RevisionTrafficView),
});

/** `…-r0`, `…-r1` are replicas of one revision. */
const revisionOf = (upstreamKey: string) => upstreamKey.replace(/-r\d+$/, '');

/**
 * The router's counters per upstream folded into one row per revision, labelled from the
 * revisions table. Weights are normalised to percent of the current route.
 */
export function presentTraffic(
  deploymentId: string,
  route: RouteSpec | null,
  stats: RouteStats | null,
  revisions: Revision[],
  now: Date,
): z.infer<typeof TrafficView> {
  const byKey = new Map(revisions.map((r) => [r.key, r]));
  const totalWeight = (route?.upstreams ?? []).reduce((n, u) => n + u.weight, 0);
  const rows = new Map<string, z.infer<typeof RevisionTrafficView>>();
  const row = (key: string) => {
    const id = revisionOf(key);
    let r = rows.get(id);
    if (!r) {
      const rev = byKey.get(key);
      r = {
        revision: id,
        version: rev?.release_version ?? null,
        configRevision: rev?.config_revision ?? null,
        slot: rev?.slot ?? null,
        replicas: 0,
        weight: 0,
        requests: 0,
        errors5xx: 0,
        inFlight: 0,
        p99Ms: null,
        healthy: true,
      };
      rows.set(id, r);
    }
    return r;
  };
  const seen = new Set<string>();
  for (const u of route?.upstreams ?? []) {
    const r = row(u.key);
    r.replicas += 1;
    seen.add(u.key);
    if (totalWeight > 0) r.weight += (u.weight / totalWeight) * 100;
  }
  for (const s of stats?.upstreams ?? []) {
    const r = row(s.key);
    if (!seen.has(s.key)) r.replicas += 1;
    r.requests += s.requests;
    r.errors5xx += s.errors5xx;
    r.inFlight += s.inFlight;
    const p99 = s.latency?.p99Ms ?? null;
    if (p99 !== null) r.p99Ms = Math.max(r.p99Ms ?? 0, p99);
    if (s.healthy === false) r.healthy = false;
  }
  return {
    deploymentId,
    sampledAt: now.toISOString(),
    suspended: Boolean(route?.suspended),
    revisions: [...rows.values()].map((r) => ({ ...r, weight: Math.round(r.weight * 10) / 10 })),
  };
}
