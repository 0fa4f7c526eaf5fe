import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { otherSlot, type OperationInput } from '../domain/operations';
import { readinessWait, short } from './activityOptions';
import { runOperation } from './runOperation';

const { resolveEnv, startRevision, switchTraffic, finalize } = proxyActivities<Activities>(short);
const { awaitReady } = proxyActivities<Activities>(readinessWait);

/** First deploy: resolve env → start → ready (deadline) → switch → record. */
export async function deployWorkflow(input: OperationInput): Promise<void> {
  await runOperation(input, async (ctx) => {
    const base = { operationId: input.operationId, deploymentId: input.deploymentId };
    await resolveEnv({ ...base, version: ctx.targetVersion });
    const slot = otherSlot(ctx.activeSlot);
    const rev = await startRevision({ ...base, version: ctx.targetVersion, configRevision: ctx.configRevision, slot });
    await awaitReady({ ...base, key: rev.key, url: rev.url, readinessPath: ctx.readinessPath, timeoutSeconds: ctx.readinessTimeoutSeconds });
    await switchTraffic({ ...base, hostname: ctx.hostname, key: rev.key, url: rev.url });
    await finalize({ ...base, kind: input.kind, version: ctx.targetVersion, slot, configRevision: ctx.configRevision });
  });
}
