import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/logger';
import { startBuiltinRouter, type BuiltinRouter, type BuiltinRouterOptions } from '../../traffic/builtin/builtinRouter';

/** A real upstream app on a free port; by default answers 200 with its name and the headers it saw. */
export interface TestUpstream {
  name: string;
  url: string;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** `setup` sees the server before it listens, e.g. to add an 'upgrade' handler. */
export async function startUpstream(name: string, handler?: Handler, setup?: (server: http.Server) => void): Promise<TestUpstream> {
  const server = http.createServer(
    handler ??
      ((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
          res.end(JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
        });
      }),
  );
  setup?.(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** http.request rather than fetch, because fetch may not set a Host header. */
export function send(
  baseUrl: string,
  opts: { host?: string; path?: string; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = openRequest(baseUrl, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function openRequest(
  baseUrl: string,
  opts: { host?: string; path?: string; method?: string; headers?: Record<string, string> },
  onResponse: (res: IncomingMessage) => void,
): http.ClientRequest {
  const u = new URL(baseUrl);
  return http.request(
    {
      hostname: u.hostname,
      port: u.port,
      path: opts.path ?? '/',
      method: opts.method ?? 'GET',
      headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers },
      agent: false, // one connection per request: nothing lingers after a test
    },
    onResponse,
  );
}

export interface RouterHarness {
  router: BuiltinRouter;
  /** The admin API's bearer secret, for clients and raw admin requests. */
  adminSecret: string;
  stateFile: string;
  restart(): Promise<BuiltinRouter>;
  close(): Promise<void>;
}

export async function startTestRouter(over: Partial<BuiltinRouterOptions> = {}): Promise<RouterHarness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-router-'));
  const stateFile = path.join(dir, 'router', 'routes.json');
  const logger = createLogger('router-test', 'silent');
  const adminSecret = randomBytes(24).toString('base64url');
  const start = () =>
    startBuiltinRouter({
      host: '127.0.0.1',
      port: 0,
      adminHost: '127.0.0.1',
      adminPort: 0,
      adminSecret,
      stateFile,
      logger,
      closeGraceMs: 100,
      ...over,
    });
  const harness: RouterHarness = {
    router: await start(),
    adminSecret,
    stateFile,
    async restart() {
      await harness.router.close();
      harness.router = await start();
      return harness.router;
    },
    async close() {
      await harness.router.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Polls until `check` passes; guards against hangs, not a performance assertion. */
export async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
