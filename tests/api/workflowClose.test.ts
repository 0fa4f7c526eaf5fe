import { randomBytes } from 'node:crypto';
import { waitForWorkflowClose } from '../../api/workflowClose';
import { connectTestClient, type TestTemporal } from '../helpers/temporalEnv';

/**
 * Against the run's real Temporal server. No worker polls the task queue used here, so a
 * started workflow stays running until the test terminates it.
 */
describe('waitForWorkflowClose', () => {
  let t: TestTemporal;
  const id = (what: string) => `close-test-${what}-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    t = await connectTestClient();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts a workflow that does not exist as closed', async () => {
    expect(await waitForWorkflowClose(t.client, id('missing'), 1_000)).toBe(true);
  });

  it('says false when the workflow is still running at the deadline, true once it has closed', async () => {
    const workflowId = id('running');
    const handle = await t.client.workflow.start('notPolledWorkflow', { taskQueue: id('no-worker'), workflowId, args: [] });
    expect(await waitForWorkflowClose(t.client, workflowId, 200)).toBe(false);
    await handle.terminate('test over');
    expect(await waitForWorkflowClose(t.client, workflowId, 10_000)).toBe(true);
  });
});
