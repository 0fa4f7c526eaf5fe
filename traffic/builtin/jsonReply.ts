import type { ServerResponse, OutgoingHttpHeaders } from 'node:http';

/** Error bodies everywhere in Slipway are `{ code, message }`; this keeps the router's the same. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: OutgoingHttpHeaders = {}): void {
  sendJson(res, status, { code, message }, headers);
}
