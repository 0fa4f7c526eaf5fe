import { Context } from '@temporalio/activity';
import { setRevisionStatus } from '../db/queries/revisions';
import { FAULT_POINTS } from '../ports/faultPoints';
import { FailureType } from '../domain/failures';
import type { ActivityDeps } from './deps';
import { nonRetryable } from './failure';
import { completePhase, enterPhase, phaseLog } from './operationLog';
import { ProbeTargetError } from './readinessProbe';
import { waitUntilReady, type ReadinessOutcome } from './readinessWait';
import { revisionServices } from './revisionServices';
import { waitForService } from './serviceReadiness';

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
    const notReady = (key: string, what: string, o: Extract<ReadinessOutcome, { ready: false }>) =>
      failNotReady(deps, log, input.timeoutSeconds, key, what, o);
    const startedAt = (ctx.info.heartbeatDetails as { startedAt?: number } | undefined)?.startedAt ?? deps.clock.now();
    const wait = {
      deadline: startedAt + input.timeoutSeconds * 1000,
      signal: ctx.cancellationSignal,
      cancelled: ctx.cancelled,
      onWait: ({ probes, last }: { probes: number; last: number | string }) => {
        ctx.heartbeat({ startedAt, probes, last });
        deps.faults.reached(FAULT_POINTS.duringAwaitReady);
      },
    };
    const outcome = await waitUntilReady(deps, { ...wait, key: input.key, url: input.url, readinessPath: input.readinessPath }).catch(
      asInvalidManifest,
    );
    if (!outcome.ready) await notReady(input.key, input.readinessPath, outcome);
    // The other services of the revision switch with it, so they must be ready too.
    for (const service of (await revisionServices(deps, input.key)).filter((s) => !s.web)) {
      const other = await waitForService(deps, { ...wait, key: service.key, readiness: service.readiness }).catch(asInvalidManifest);
      const what = 'path' in service.readiness ? service.readiness.path : `running ${service.readiness.runningSeconds}s`;
      if (!other.ready) await notReady(service.key, what, other);
    }
    const { probes } = outcome;
    const elapsedMs = deps.clock.now() - startedAt;
    await setRevisionStatus(deps.db, input.key, 'ready');
    await log(`ready-${input.key}`, `${input.key} ready after ${probes} probe(s), ${elapsedMs} ms`);
    await completePhase(deps, input.deploymentId, 'awaitReady');
    return { probes, elapsedMs };
  };
}

/** Fails the operation with the process's last output (crashed) or the last answer (timeout). */
async function failNotReady(
  deps: ActivityDeps,
  log: ReturnType<typeof phaseLog>,
  timeoutSeconds: number,
  key: string,
  what: string,
  outcome: Extract<ReadinessOutcome, { ready: false }>,
): Promise<never> {
  if (outcome.reason === 'crashed') {
    const tail = await deps.compute.tailLogs(key, LOG_TAIL_LINES);
    await log(`crashed-${key}`, `revision ${key} exited before it became ready; last output:\n${tail.join('\n')}`, 'error');
    throw nonRetryable(FailureType.RevisionCrashed, `revision ${key} exited before it became ready (see the operation log for its output)`);
  }
  await log(`timeout-${key}`, `not ready after ${timeoutSeconds}s; last answer from ${what}: ${outcome.last}`, 'error');
  throw nonRetryable(
    FailureType.ReadinessTimeout,
    `revision ${key} was not ready within ${timeoutSeconds}s (last answer: ${outcome.last})`,
  );
}

/** A readiness path that would leave the revision's endpoint is bad input: fail now, never retry. */
function asInvalidManifest(err: unknown): never {
  if (err instanceof ProbeTargetError) throw nonRetryable(FailureType.InvalidManifest, err.message);
  throw err;
}
