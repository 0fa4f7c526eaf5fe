import { WorkflowNotFoundError, type Client } from '@temporalio/client';

/** How often a closing workflow is asked about; it closes within milliseconds of its last step. */
const POLL_MS = 50;

/**
 * Waits until the workflow is no longer running. True once it has closed (or no longer
 * exists), false when the deadline passed first. For a workflow whose state already reads
 * as final but whose last step (a row write, the run's completion) is a moment away.
 */
export async function waitForWorkflowClose(client: Client, workflowId: string, timeoutMs = 10_000): Promise<boolean> {
  const handle = client.workflow.getHandle(workflowId);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await handle.describe()).status.name !== 'RUNNING') return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return true;
      throw err;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return false;
}
