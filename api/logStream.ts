import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/database';
import { findOperation, listOperationLogs } from '../db/queries/operations';
import { isTokenActive } from '../db/queries/tokens';
import { principalOf } from './auth';
import { tooManyRequests } from './errors';
import { TOKEN_RECHECK_MS, type EndStream, type LogStreams } from './logStreams';
import { TERMINAL_OPERATION_STATUSES } from '../domain/operations';
import { presentLog } from './presenters';

export const LOG_POLL_MS = 250;
const KEEPALIVE_MS = 15_000;
const TERMINAL = new Set<string>(TERMINAL_OPERATION_STATUSES);

/**
 * Server-sent events for one operation's log: `event: log` per line (id = the log row id, so
 * a client reconnecting with Last-Event-ID misses nothing), then `event: end` with the
 * terminal status. Polls the database: the worker writes the log, not this process. A
 * stream whose token is revoked ends with `event: end` status `token_revoked`: at once
 * when revoked through this instance, within TOKEN_RECHECK_MS through any other.
 */
export function streamOperationLogs(db: Db, req: FastifyRequest, reply: FastifyReply, operationId: string, streams: LogStreams): void {
  const { tokenId } = principalOf(req);
  if (!streams.hasRoom(tokenId)) {
    throw tooManyRequests('too_many_log_streams', `this token already follows ${streams.maxPerToken} log streams; close one first`, 5);
  }
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(': following the operation log\n\n');

  const lastEventId = req.headers['last-event-id'];
  let afterId = typeof lastEventId === 'string' && /^[0-9]{1,18}$/.test(lastEventId) ? lastEventId : '0';
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let lastWrite = Date.now();
  let tokenCheckedAt = Date.now();
  const finish = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    streams.delete(tokenId, stop);
    res.end();
  };
  // Ended from outside (revocation, app close): say why before closing.
  const stop: EndStream = (status) => {
    if (!closed) send('end', { operationId, status, error: null });
    finish();
  };
  streams.add(tokenId, stop);
  res.on('close', finish);

  const send = (event: string, data: unknown, id?: string) => {
    res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    lastWrite = Date.now();
  };

  const poll = async () => {
    try {
      if (Date.now() - tokenCheckedAt >= TOKEN_RECHECK_MS) {
        tokenCheckedAt = Date.now();
        if (!(await isTokenActive(db, tokenId))) {
          stop('token_revoked');
          return;
        }
      }
      // Status before lines: once it is terminal, the lines read after it are all there are.
      const op = await findOperation(db, operationId);
      const lines = await listOperationLogs(db, operationId, afterId);
      if (closed) return;
      for (const l of lines) {
        send('log', presentLog(l), l.id);
        afterId = l.id;
      }
      if (!op || TERMINAL.has(op.status)) {
        send('end', {
          operationId,
          status: op?.status ?? 'gone',
          error: op?.error_type ? { type: op.error_type, message: op.error_message } : null,
        });
        finish();
        return;
      }
      if (Date.now() - lastWrite > KEEPALIVE_MS) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
    } catch (err) {
      req.log.warn({ err, operationId }, 'log stream poll failed; retrying');
    }
    if (!closed) timer = setTimeout(() => void poll(), LOG_POLL_MS);
  };
  void poll();
}
