import { Context } from '@temporalio/activity';
import { setRevisionStatus } from '../db/queries/revisions';
import { FAULT_POINTS } from '../ports/faultPoints';
import { FailureType } from '../domain/failures';
import type { ActivityDeps } from './deps';
import { nonRetryable } from './failure';
import { completePhase, enterPhase, phaseLog } from './operationLog';
import { ProbeTargetError } from './readinessProbe';
import { waitUntilReady } from './readinessWait';

const LOG_TAIL_LINES = 20;

export interface AwaitReadyInput {
  operationId: string;
  deploymentId: string;
  key: string;
  url: string;
  readinessPath: string;
  timeoutSeconds: number;
}

/**
 * Polls the readiness path until it answers 2xx. The deadline counts from the first
 * attempt (carried in heartbeat details), so a worker crash does not grant a fresh
 * five minutes. A process that died is reported at once with its last log lines.
 */
export function createAwaitReady(deps: ActivityDeps) {
  return async function awaitReady(input: AwaitReadyInput): Promise<{ probes: number; elapsedMs: number }> {
    const ctx = Context.current();
    await enterPhase(deps, input.operationId, 'awaitReady');
    const log = phaseLog(deps, input.operationId, 'awaitReady');
    const startedAt = (ctx.info.heartbeatDetails as { startedAt?: number } | undefined)?.startedAt ?? deps.clock.now();
    const outcome = await waitUntilReady(deps, {
      key: input.key,
      url: input.url,
      readinessPath: input.readinessPath,
      deadline: startedAt + input.timeoutSeconds * 1000,
      signal: ctx.cancellationSignal,
      cancelled: ctx.cancelled,
      onWait: ({ probes, last }) => {
        ctx.heartbeat({ startedAt, probes, last });
        deps.faults.reached(FAULT_POINTS.duringAwaitReady);
      },
    }).catch(asInvalidManifest);
    if (!outcome.ready && outcome.reason === 'crashed') {
      const tail = await deps.compute.tailLogs(input.key, LOG_TAIL_LINES);
      await log(`crashed-${input.key}`, `revision ${input.key} exited before it became ready; last output:\n${tail.join('\n')}`, 'error');
      throw nonRetryable(
        FailureType.RevisionCrashed,
        `revision ${input.key} exited before it became ready (see the operation log for its output)`,
      );
    }
    if (!outcome.ready) {
      await log(
        `timeout-${input.key}`,
        `not ready after ${input.timeoutSeconds}s; last answer from ${input.readinessPath}: ${outcome.last}`,
        'error',
      );
      throw nonRetryable(
        FailureType.ReadinessTimeout,
        `revision ${input.key} was not ready within ${input.timeoutSeconds}s (last answer: ${outcome.last})`,
      );
    }
    const { probes } = outcome;
    const elapsedMs = deps.clock.now() - startedAt;
    await setRevisionStatus(deps.db, input.key, 'ready');
    await log(`ready-${input.key}`, `${input.key} ready after ${probes} probe(s), ${elapsedMs} ms`);
    await completePhase(deps, input.deploymentId, 'awaitReady');
    return { probes, elapsedMs };
  };
}

/** A readiness path that would leave the revision's endpoint is bad input: fail now, never retry. */
function asInvalidManifest(err: unknown): never {
  if (err instanceof ProbeTargetError) throw nonRetryable(FailureType.InvalidManifest, err.message);
  throw err;
}
