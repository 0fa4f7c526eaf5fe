import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface VersionWatchOptions {
  /** Request loops, each on its own keep-alive connection. */
  loops?: number;
  /**
   * Pause after each answer before the next request of a loop. 0 polls back to back: the
   * finest resolution, but on two cores the polling (client, router and app together) takes
   * most of a core from the system whose latency it measures. 1 ms costs a few percent of one.
   */
  intervalMs?: number;
  timeoutMs?: number;
}

/**
 * Polls the router until a hello-app answer names `version`; resolves with performance.now()
 * of the moment that answer had fully arrived. Bounded by `timeoutMs`.
 */
export function watchForVersion(
  port: number,
  host: string,
  version: string,
  { loops = 2, intervalMs = 0, timeoutMs = 30_000 }: VersionWatchOptions = {},
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
      if (intervalMs > 0 && running) await new Promise((r) => setTimeout(r, intervalMs));
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
