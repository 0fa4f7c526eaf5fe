/**
 * HAProxy's log of abnormal requests only (`option dontlog-normal`: errors, timeouts,
 * aborts, 5xx), one line on stderr each. It names the slot a request went to and where
 * its time went, which a client that timed out cannot know. No path or query string:
 * those can carry tokens, and a log must not.
 */
export const ERROR_LOG_FORMAT = '%Ts.%ms %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %ts %rc';

export interface AbnormalRequest {
  /** When HAProxy accepted the request, epoch ms. */
  atMs: number;
  backend: string;
  /** `<NOSRV>` when no slot was picked (refusal backends, or a client gone before). */
  server: string;
  /** Milliseconds: request headers, queue, connect, response headers, total; -1 = never reached. */
  timers: { request: number; queue: number; connect: number; response: number; total: number };
  status: number;
  /** Two letters: who ended it (C client, S server, P proxy…) and in which phase (R request, C connect, H headers, D data). */
  termination: string;
  /** Retries HAProxy made; a leading `+` means it redispatched to another slot. */
  retries: string;
}

const LINE = /^(\d+)\.(\d{3}) (\S+)\/(\S+) (-?\d+)\/(-?\d+)\/(-?\d+)\/(-?\d+)\/(-?\d+) (-?\d+) (\S{2}) (\+?\d+)$/;

/** One stderr line, or null for anything else HAProxy prints (notices, alerts). */
export function parseAbnormalRequest(line: string): AbnormalRequest | null {
  const m = LINE.exec(line.trim());
  if (!m) return null;
  const n = (i: number) => Number(m[i]);
  return {
    atMs: n(1) * 1000 + n(2),
    backend: m[3],
    server: m[4],
    timers: { request: n(5), queue: n(6), connect: n(7), response: n(8), total: n(9) },
    status: n(10),
    termination: m[11],
    retries: m[12],
  };
}
