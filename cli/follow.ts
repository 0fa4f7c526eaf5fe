import { PHASE_PROGRESS } from '../domain/operations';
import { isTerminalOperationStatus } from '../domain/operations';
import type { LogLine, OperationView } from './apiTypes';
import type { SlipwayClient } from './client';
import { CliError, UnreachableError } from './errors';
import { duration } from './format';
import { readSse } from './sse';

export const POLL_INTERVAL_MS = 500;
/** How long a follower keeps trying while the API is away (a restart, a deploy of Slipway). */
export const LOST_CONTACT_BUDGET_MS = 60_000;

export interface FollowHooks {
  onLog(line: LogLine): void;
  /** Things worth a line on stderr, e.g. a lost connection. */
  onNotice(message: string): void;
  pollIntervalMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows an operation to its end and returns it. Logs come from the SSE stream
 * (`/logs?follow=1`); when that is unavailable or drops, polling the operation and its
 * logs takes over. Log ids de-duplicate lines seen through both paths.
 */
export async function followOperation(client: SlipwayClient, operationId: string, hooks: FollowHooks): Promise<OperationView> {
  const seen = new Set<string>();
  const emit = (l: LogLine) => {
    if (seen.has(String(l.id))) return;
    seen.add(String(l.id));
    hooks.onLog(l);
  };
  try {
    await streamLogs(client, operationId, emit);
  } catch (err) {
    // A real answer (401, 404) is final; anything else means "use polling instead".
    if (err instanceof CliError && !(err instanceof UnreachableError) && err.status !== undefined && err.status < 500) throw err;
  }
  return pollUntilDone(client, operationId, emit, hooks);
}

async function streamLogs(client: SlipwayClient, operationId: string, emit: (l: LogLine) => void): Promise<void> {
  const abort = new AbortController();
  try {
    const res = await client.open(`/api/operations/${operationId}/logs?follow=1`, abort.signal, 'text/event-stream');
    if (!res.ok) throw await client.failure(res);
    if (!res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) return;
    for await (const ev of readSse(res.body)) {
      if (ev.event === 'log') emit(JSON.parse(ev.data) as LogLine);
      else if (ev.event === 'end') return;
    }
  } finally {
    abort.abort();
  }
}

async function pollUntilDone(
  client: SlipwayClient,
  operationId: string,
  emit: (l: LogLine) => void,
  hooks: FollowHooks,
): Promise<OperationView> {
  let failingSince: number | null = null;
  for (;;) {
    try {
      // Status first, logs second: once the status is terminal, the logs read after it are complete.
      const op = await client.get<OperationView>(`/api/operations/${operationId}`);
      const { logs } = await client.get<{ logs: LogLine[] }>(`/api/operations/${operationId}/logs`);
      logs.forEach(emit);
      if (failingSince !== null) hooks.onNotice('back in contact with Slipway');
      failingSince = null;
      if (isTerminalOperationStatus(op.status)) return op;
    } catch (err) {
      const transient = err instanceof UnreachableError || (err instanceof CliError && (err.status ?? 0) >= 500);
      if (!transient) throw err;
      if (failingSince === null) {
        failingSince = Date.now();
        hooks.onNotice(
          `lost contact with Slipway; retrying for up to ${LOST_CONTACT_BUDGET_MS / 1000}s (the operation keeps running without us)`,
        );
      } else if (Date.now() - failingSince > LOST_CONTACT_BUDGET_MS) {
        throw err;
      }
    }
    await sleep(hooks.pollIntervalMs ?? POLL_INTERVAL_MS);
  }
}

/** `[ 35%] startRevision    message`: the first line of each phase, plus every warning and error. */
export function phaseLinePrinter(write: (line: string) => void): (l: LogLine) => void {
  let lastPhase: string | null = null;
  let percent = 0;
  return (l) => {
    const known = (PHASE_PROGRESS as Record<string, number>)[l.phase];
    // Never backwards: a teardown, say, runs its phases out of the usual order.
    if (known !== undefined) percent = Math.max(percent, known);
    const prefix = `[${String(percent).padStart(3)}%] ${l.phase.padEnd(16)} `;
    if (l.phase !== lastPhase) {
      lastPhase = l.phase;
      write(`${prefix}${l.level === 'info' ? '' : `${l.level}: `}${l.message}`);
    } else if (l.level !== 'info') {
      write(`${prefix}${l.level}: ${l.message}`);
    }
  };
}

/** Every log line in full, for `operations logs`. */
export function formatLogLine(l: LogLine): string {
  const time = new Date(l.at).toISOString().slice(11, 23);
  return `${time}Z  ${l.phase.padEnd(16)} ${l.level.padEnd(5)}  ${l.message}`;
}

/** `succeeded in 3.2s`, `failed: ReadinessTimeout: …`, `cancelled`. */
export function outcomeLine(op: OperationView, localStart: number): string {
  if (op.status === 'succeeded') return `succeeded in ${duration(op.durationMs ?? Date.now() - localStart)}`;
  if (op.status === 'failed') return `failed: ${op.error ? `${op.error.type}: ${op.error.message ?? ''}`.trimEnd() : 'no reason recorded'}`;
  return op.status;
}
