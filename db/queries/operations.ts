import { sql } from 'kysely';
import type { DbOrTrx } from '../database';
import type { NewOperation, Operation, OperationLog } from '../schema';

export async function insertOperation(db: DbOrTrx, op: NewOperation): Promise<Operation> {
  return db.insertInto('operations').values(op).returningAll().executeTakeFirstOrThrow();
}

export async function findOperation(db: DbOrTrx, id: string): Promise<Operation | null> {
  return (await db.selectFrom('operations').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Idempotent: only a pending (or already running) operation becomes running, with its run id. */
export async function markOperationRunning(db: DbOrTrx, id: string, runId: string): Promise<void> {
  await markOperationRunningQuery(db, id, runId).execute();
}

/** The statement of markOperationRunning, for composing into one statement with others (db/queries/claims.ts). */
export function markOperationRunningQuery(db: DbOrTrx, id: string, runId: string) {
  return db
    .updateTable('operations')
    .set({ status: 'running', run_id: runId, started_at: sql<Date>`coalesce(started_at, now())` as unknown as Date })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'running']);
}

/** What served when the operation began, recorded while it runs so a rollback has somewhere to land. */
export async function recordOperationFromVersion(db: DbOrTrx, id: string, fromVersion: string | null): Promise<void> {
  await db.updateTable('operations').set({ from_version: fromVersion }).where('id', '=', id).where('status', '=', 'running').execute();
}

/** Only for an operation whose workflow never started (the API lost the race for the deployment). */
export async function deleteOperation(db: DbOrTrx, id: string): Promise<void> {
  await db.deleteFrom('operations').where('id', '=', id).execute();
}

export async function setOperationPhase(db: DbOrTrx, id: string, phase: string): Promise<void> {
  await db.updateTable('operations').set({ phase }).where('id', '=', id).where('status', '=', 'running').execute();
}

/** Terminal states are written once; a retried finish leaves the first outcome in place. */
export async function finishOperation(
  db: DbOrTrx,
  id: string,
  outcome: { status: 'succeeded' } | { status: 'failed' | 'cancelled'; errorType: string; errorMessage: string },
): Promise<void> {
  await db
    .updateTable('operations')
    .set({
      status: outcome.status,
      error_type: outcome.status === 'succeeded' ? null : outcome.errorType,
      error_message: outcome.status === 'succeeded' ? null : outcome.errorMessage,
      finished_at: sql<Date>`now()` as unknown as Date,
    })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'running'])
    .execute();
}

export async function appendOperationLog(
  db: DbOrTrx,
  line: { operationId: string; phase: string; step: string; level: OperationLog['level']; message: string },
): Promise<void> {
  await db
    .insertInto('operation_logs')
    .values({ operation_id: line.operationId, phase: line.phase, step: line.step, level: line.level, message: line.message })
    .onConflict((oc) => oc.columns(['operation_id', 'phase', 'step']).doNothing())
    .execute();
}

/** Whether the operation's log has this (phase, step) line: how a step done once is known to be done. */
export async function hasOperationLogStep(db: DbOrTrx, operationId: string, phase: string, step: string): Promise<boolean> {
  const row = await db
    .selectFrom('operation_logs')
    .select('id')
    .where('operation_id', '=', operationId)
    .where('phase', '=', phase)
    .where('step', '=', step)
    .executeTakeFirst();
  return row !== undefined;
}

/** Every line after afterId, for the log stream (which reads on from the last id it sent). Pages: operationList.ts. */
export function listOperationLogs(db: DbOrTrx, operationId: string, afterId = '0'): Promise<OperationLog[]> {
  return db
    .selectFrom('operation_logs')
    .selectAll()
    .where('operation_id', '=', operationId)
    .where('id', '>', afterId)
    .orderBy('id')
    .execute();
}
