import type { Db } from '../db/database';
import { countDeploymentsByStatus, countOperationsByKindAndStatus, finishedOperationDurations } from '../db/queries/engineCounts';
import { DEPLOYMENT_STATUSES } from '../domain/deploymentStatus';
import { OPERATION_KINDS, TERMINAL_OPERATION_STATUSES } from '../domain/operations';
import { Counter, Gauge, Registry } from 'prom-client';
import { SnapshotHistogram } from '../metrics/prometheus';

/** Deploys take seconds to tens of minutes; these bounds split that range. */
export const OPERATION_DURATION_BUCKETS_SECONDS: readonly number[] = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

const IN_FLIGHT = ['pending', 'running'] as const;

/**
 * Aggregate counts only: GET /metrics is public (scrapers rarely carry tokens), so it
 * names no tenant, deployment or app, just kinds and statuses from fixed vocabularies.
 */
export interface EngineSnapshot {
  operations: { kind: string; status: string; count: number }[];
  /** Finished operations by kind: per-bucket counts (one extra slot for +Inf), seconds summed. */
  durations: { kind: string; counts: number[]; sumSeconds: number; count: number }[];
  deployments: { status: string; count: number }[];
}

export async function readEngineSnapshot(db: Db): Promise<EngineSnapshot> {
  const [operations, finished, deployments] = await Promise.all([
    countOperationsByKindAndStatus(db),
    finishedOperationDurations(db, OPERATION_DURATION_BUCKETS_SECONDS),
    countDeploymentsByStatus(db),
  ]);
  const durations = finished.map((r) => {
    // SQL gives "at most le" (cumulative); the renderer wants per-bucket counts.
    const counts = [...r.atMost, r.count].map((c, i, all) => c - (i === 0 ? 0 : all[i - 1]));
    return { kind: r.kind, counts, sumSeconds: r.sumSeconds, count: r.count };
  });
  return { operations, durations, deployments };
}

/**
 * Every known kind and status appears (at 0 if need be) so series exist before their first
 * event. A fresh registry per scrape: the numbers come whole from the snapshot, nothing accumulates.
 */
export async function renderEngineMetrics(s: EngineSnapshot): Promise<string> {
  const registry = new Registry();
  const registers = [registry];
  const finished = new Counter({
    name: 'slipway_operations_total',
    help: 'Finished operations by kind and final status.',
    labelNames: ['kind', 'status'],
    registers,
  });
  const inFlight = new Gauge({
    name: 'slipway_operations_in_flight',
    help: 'Operations pending or running, by kind.',
    labelNames: ['kind'],
    registers,
  });
  const duration = new SnapshotHistogram({
    name: 'slipway_operation_duration_seconds',
    help: 'Run time of finished operations (start to finish), by kind.',
    labelNames: ['kind'],
    buckets: OPERATION_DURATION_BUCKETS_SECONDS,
    registers,
  });
  const deployments = new Gauge({ name: 'slipway_deployments', help: 'Deployments by status.', labelNames: ['status'], registers });

  const opCount = (kind: string, status: string) => s.operations.find((o) => o.kind === kind && o.status === status)?.count ?? 0;
  const kinds = union(
    OPERATION_KINDS,
    s.operations.map((o) => o.kind),
  );
  for (const kind of kinds) {
    for (const status of union(
      TERMINAL_OPERATION_STATUSES,
      s.operations.filter((o) => o.kind === kind).map((o) => o.status),
    )) {
      if ((IN_FLIGHT as readonly string[]).includes(status)) continue;
      finished.inc({ kind, status }, opCount(kind, status));
    }
    inFlight.set(
      { kind },
      IN_FLIGHT.reduce((n, status) => n + opCount(kind, status), 0),
    );
  }

  const empty = new Array<number>(OPERATION_DURATION_BUCKETS_SECONDS.length + 1).fill(0);
  duration.set(
    kinds.map((kind) => {
      const d = s.durations.find((x) => x.kind === kind) ?? { counts: empty, sumSeconds: 0, count: 0 };
      return { labels: { kind }, counts: d.counts, sum: d.sumSeconds, count: d.count };
    }),
  );

  for (const status of union(
    DEPLOYMENT_STATUSES,
    s.deployments.map((d) => d.status),
  )) {
    deployments.set({ status }, s.deployments.find((d) => d.status === status)?.count ?? 0);
  }
  return registry.metrics();
}

function union(known: readonly string[], seen: readonly string[]): string[] {
  return [...new Set([...known, ...seen])];
}
