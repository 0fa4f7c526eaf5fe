import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/database';
import { findOperation, listOperationLogs } from '../db/queries/operations';
import type { LogStreams } from './logStreams';
import { TERMINAL_OPERATION_STATUSES } from '../domain/operations';
import { presentLog } from './presenters';
import { openSseStream } from './sseStream';

export const LOG_POLL_MS = 250;
const TERMINAL = new Set<string>(TERMINAL_OPERATION_STATUSES);

/**
 * Server-sent events for one operation's log: `event: log` per line (id = the log row id, so
 * a client reconnecting with Last-Event-ID misses nothing), then `event: end` with the
 * terminal status. A stream whose token is revoked ends with `event: end` status
 * `token_revoked` (api/sseStream.ts).
 */
export function streamOperationLogs(db: Db, req: FastifyRequest, reply: FastifyReply, operationId: string, streams: LogStreams): void {
  const lastEventId = req.headers['last-event-id'];
  let afterId = typeof lastEventId === 'string' && /^[0-9]{1,18}$/.test(lastEventId) ? lastEventId : '0';
  openSseStream(db, req, reply, streams, {
    greeting: 'following the operation log',
    pollMs: LOG_POLL_MS,
    onStop: (sink, status) => sink.send('end', { operationId, status, error: null }),
    async poll(sink) {
      // Status before lines: once it is terminal, the lines read after it are all there are.
      const op = await findOperation(db, operationId);
      const lines = await listOperationLogs(db, operationId, afterId);
      if (sink.closed) return;
      for (const l of lines) {
        sink.send('log', presentLog(l), l.id);
        afterId = l.id;
      }
      if (!op || TERMINAL.has(op.status)) {
        sink.send('end', {
          operationId,
          status: op?.status ?? 'gone',
          error: op?.error_type ? { type: op.error_type, message: op.error_message } : null,
        });
        sink.finish();
      }
    },
  });
}
