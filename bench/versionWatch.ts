import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * Polls the router as tightly as loopback allows (`loops` back-to-back keep-alive request
 * loops) until a hello-app answer names `version`; resolves with performance.now() of the
 * moment that answer had fully arrived. Bounded by `timeoutMs`.
 */
export function watchForVersion(
  port: number,
  host: string,
  version: string,
  loops = 2,
  timeoutMs = 30_000,
): { seen: Promise<number>; stop(): void } {
  let running = true;
  const deadline = performance.now() + timeoutMs;
  let found: ((t: number) => void) | undefined;
  let failed: ((e: Error) => void) | undefined;
  const seen = new Promise<number>((resolve, reject) => {
    found = resolve;
    failed = reject;
  });
  const agents: http.Agent[] = [];

  const once = (agent: http.Agent) =>
    new Promise<string | undefined>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          try {
            resolve(String(JSON.parse(body).version));
          } catch {
            resolve(undefined);
          }
        });
      });
      req.on('error', () => resolve(undefined));
      req.end();
    });

  const loop = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    while (running) {
      if (performance.now() > deadline) {
        running = false;
        failed?.(new Error(`no answer from version ${version} within ${timeoutMs} ms`));
        break;
      }
      const v = await once(agent);
      if (v === version && running) {
        running = false;
        found?.(performance.now());
      }
    }
    agent.destroy();
  };
  for (let i = 0; i < loops; i++) void loop();
  return {
    seen,
    stop() {
      running = false;
    },
  };
}
