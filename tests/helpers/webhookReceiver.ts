import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  body: any;
}

/** A real HTTP receiver on loopback, `host` naming it in the URL (default its address); `fail` decides, per request, to answer 500 instead of 200. */
export async function receiver(fail: (n: number) => boolean = () => false, host = '127.0.0.1') {
  const got: Received[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      n += 1;
      if (fail(n)) {
        res.writeHead(500).end('down');
        return;
      }
      got.push({ headers: req.headers, raw, body: JSON.parse(raw.toString('utf8')) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://${host}:${(server.address() as AddressInfo).port}/hook`;
  return { url, got, requests: () => n, close: () => new Promise<void>((r) => server.close(() => r())) };
}
