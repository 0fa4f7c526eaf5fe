import type { Client } from '@temporalio/client';
import type { Db } from '../../db/database';
import { deploymentWorkflowId } from '../../domain/operations';
import type { LiveApp, LiveApps } from './liveApps';

/**
 * Everything that could betray a doubled or lost operation after a crash, gathered from
 * the three places that hold the truth: the database rows, the Temporal history and the
 * runtime itself (the kernel's process table, or the container engine). Tests assert on it with plain `expect`, so a failure prints
 * the whole picture.
 */
export interface ExactlyOnceReport {
  operation: { id: string; kind: string; status: string; toVersion: string | null; error: string | null };
  /** Operation rows of the deployment, by kind: a doubled request shows up here. */
  operationsByKind: Record<string, number>;
  /** Non-stopped revision rows. */
  revisions: { key: string; version: string; status: string }[];
  /** Live app processes, each tied to its revision row's status (or `untracked`: an orphan). */
  processes: (LiveApp & { revisionStatus: string })[];
  /** Runs of the deployment's workflow id started for this operation (memo.operationId). */
  workflowRuns: { runId: string; type: string; status: string }[];
  /** Runs of the deployment's workflow id, all operations. */
  allWorkflowRuns: number;
}

export async function exactlyOnceReport(opts: {
  db: Db;
  client: Client;
  liveApps: LiveApps;
  deploymentId: string;
  operationId: string;
}): Promise<ExactlyOnceReport> {
  const { db, deploymentId, operationId } = opts;
  const op = await db.selectFrom('operations').selectAll().where('id', '=', operationId).executeTakeFirstOrThrow();
  const ops = await db.selectFrom('operations').select('kind').where('deployment_id', '=', deploymentId).execute();
  const operationsByKind: Record<string, number> = {};
  for (const o of ops) operationsByKind[o.kind] = (operationsByKind[o.kind] ?? 0) + 1;

  const revisionRows = await db
    .selectFrom('revisions')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .where('status', '!=', 'stopped')
    .orderBy('created_at')
    .execute();
  const statusOf = new Map(revisionRows.map((r) => [r.key, r.status as string]));
  const procs = await opts.liveApps(deploymentId);

  const runs: ExactlyOnceReport['workflowRuns'] = [];
  let allWorkflowRuns = 0;
  const workflowId = deploymentWorkflowId(deploymentId);
  // The list (visibility) finds the runs; it lags, so each run's status comes from describe().
  for await (const wf of opts.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    allWorkflowRuns += 1;
    if (wf.memo?.operationId !== operationId) continue;
    runs.push({ runId: wf.runId, type: wf.type, status: await settledStatus(opts.client, workflowId, wf.runId) });
  }

  return {
    operation: { id: op.id, kind: op.kind, status: op.status, toVersion: op.to_version, error: op.error_message },
    operationsByKind,
    revisions: revisionRows.map((r) => ({ key: r.key, version: r.release_version, status: r.status })),
    processes: procs.map((p) => ({
      instance: p.instance,
      version: p.version,
      key: p.key,
      revisionStatus: p.key ? (statusOf.get(p.key) ?? 'no-row') : 'untracked',
    })),
    workflowRuns: runs,
    allWorkflowRuns,
  };
}

/**
 * "Exactly once": the operation succeeded, one workflow run did it and completed, one
 * revision of `version` serves with one live process behind it, and the only other
 * process allowed is the previous revision kept warm for a rollback window.
 */
export function expectExactlyOnce(r: ExactlyOnceReport, want: { kind: string; version: string; warmVersion?: string }): void {
  expect(r.operation).toMatchObject({ kind: want.kind, status: 'succeeded', toVersion: want.version, error: null });
  expect(r.operationsByKind[want.kind]).toBe(1);
  expect(r.workflowRuns).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);

  const serving = r.revisions.filter((x) => x.status === 'serving');
  expect(serving).toEqual([expect.objectContaining({ version: want.version })]);
  const others = r.revisions.filter((x) => x.status !== 'serving');
  // Anything else alive must be the one warm previous revision; no half-started leftovers.
  expect(others.every((x) => x.status === 'warm' && x.version === want.warmVersion)).toBe(true);
  expect(others.length).toBeLessThanOrEqual(1);

  const servingProcs = r.processes.filter((p) => p.key === serving[0].key);
  expect(servingProcs).toEqual([expect.objectContaining({ version: want.version, revisionStatus: 'serving' })]);
  const rest = r.processes.filter((p) => p.key !== serving[0].key);
  expect(rest.every((p) => p.revisionStatus === 'warm' && p.version === want.warmVersion)).toBe(true);
  expect(rest.length).toBeLessThanOrEqual(1);
}

/**
 * The run's status once it has closed (or RUNNING after `timeoutMs`). The operation row
 * turns `succeeded` in the last activity; the workflow closes a moment later, after it
 * has scheduled the warm revision's retirement.
 */
async function settledStatus(client: Client, workflowId: string, runId: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await client.workflow.getHandle(workflowId, runId).describe()).status.name;
    if (status !== 'RUNNING' || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
