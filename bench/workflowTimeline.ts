import { Connection, WorkflowClient } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

const { EventType } = temporal.api.enums.v1;

/** The first time each of these events appears in a run's history, by name. */
const MARKS: [number, string][] = [
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, 'workflow started'],
  [EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, 'first task picked up'],
  [EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 'first task completed'],
];

/**
 * Where a run's time goes on Temporal's side (its history's event times), in ms after
 * `originMs` (epoch): when the server recorded the start, when a worker picked up the first
 * workflow task, when that task completed. Local activities run inside that first task.
 */
export async function workflowTimeline(address: string, workflowId: string, runId: string, originMs: number): Promise<string> {
  const connection = await Connection.connect({ address });
  try {
    const history = await new WorkflowClient({ connection }).getHandle(workflowId, runId).fetchHistory();
    const parts: string[] = [];
    for (const [type, label] of MARKS) {
      const e = history.events?.find((ev) => ev.eventType === type);
      if (e?.eventTime) parts.push(`${label} +${Math.round(tsToMs(e.eventTime) - originMs)}`);
    }
    return parts.join(', ');
  } finally {
    await connection.close();
  }
}
