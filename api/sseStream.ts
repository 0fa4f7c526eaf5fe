import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/database';
import { isTokenActive } from '../db/queries/tokens';
import { principalOf } from './auth';
import { tooManyRequests } from './errors';
import { TOKEN_RECHECK_MS, type EndStream, type LogStreams } from './logStreams';

const KEEPALIVE_MS = 15_000;

export interface SseSink {
  send(event: string, data: unknown, id?: string): void;
  /** Ends the stream; the poll loop stops. */
  finish(): void;
  readonly closed: boolean;
}

export interface SseLoop {
  /** The first comment line, so a client sees the stream open before any event. */
  greeting: string;
  pollMs: number;
  /** One round: read what changed and send it. */
  poll(sink: SseSink): Promise<void>;
  /** Ended from outside (revocation, app close): say why before the stream closes. */
  onStop(sink: SseSink, status: 'token_revoked' | 'server_closing'): void;
}

/**
 * A polling server-sent-event stream with the rules every stream of this API shares: at most
 * `streams.maxPerToken` open per token, ended at once when the token is revoked here (and
 * within TOKEN_RECHECK_MS when revoked through another instance), a keep-alive comment so
 * proxies keep it open, and no poll after the client went away. The database is polled
 * because the worker writes what is streamed, not this process.
 */
export function openSseStream(db: Db, req: FastifyRequest, reply: FastifyReply, streams: LogStreams, loop: SseLoop): void {
  const { tokenId } = principalOf(req);
  if (!streams.hasRoom(tokenId)) {
    throw tooManyRequests(
      'too_many_log_streams',
      `this token already has ${streams.maxPerToken} event streams open (logs, deployment changes); close one first`,
      5,
    );
  }
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(`: ${loop.greeting}\n\n`);

  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let lastWrite = Date.now();
  let tokenCheckedAt = Date.now();
  const sink: SseSink = {
    send(event, data, id) {
      res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      lastWrite = Date.now();
    },
    finish() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      streams.delete(tokenId, stop);
      res.end();
    },
    get closed() {
      return closed;
    },
  };
  const stop: EndStream = (status) => {
    if (!closed) loop.onStop(sink, status);
    sink.finish();
  };
  streams.add(tokenId, stop);
  res.on('close', () => sink.finish());

  const round = async () => {
    try {
      if (Date.now() - tokenCheckedAt >= TOKEN_RECHECK_MS) {
        tokenCheckedAt = Date.now();
        if (!(await isTokenActive(db, tokenId))) {
          stop('token_revoked');
          return;
        }
      }
      await loop.poll(sink);
      if (!closed && Date.now() - lastWrite > KEEPALIVE_MS) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
    } catch (err) {
      req.log.warn({ err, url: req.url }, 'event stream poll failed; retrying');
    }
    if (!closed) timer = setTimeout(() => void round(), loop.pollMs);
  };
  void round();
}
