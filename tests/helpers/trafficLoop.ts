import http from 'node:http';

export interface TrafficReport {
  sent: number;
  ok: number;
  failures: { status: number | string; body: string }[];
  versions: Map<string, number>;
}

/**
 * Keeps one request at a time in flight through the router for `hostname` until stopped,
 * recording every non-2xx answer and connection error. Bounded: it stops by itself after
 * `maxMs` so a failing test never leaves it running.
 */
export function keepRequesting(
  proxyPort: number,
  hostname: string,
  maxMs = 120_000,
  /** Where the router listens; a Service's ClusterIP behind the kubernetes router. */
  host = '127.0.0.1',
): { stop(): Promise<TrafficReport> } {
  const report: TrafficReport = { sent: 0, ok: 0, failures: [], versions: new Map() };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const deadline = Date.now() + maxMs;
  let running = true;
  const once = () =>
    new Promise<void>((resolve) => {
      report.sent += 1;
      const req = http.request({ host, port: proxyPort, path: '/', headers: { host: hostname }, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) {
            report.ok += 1;
            try {
              const v = String(JSON.parse(body).version);
              report.versions.set(v, (report.versions.get(v) ?? 0) + 1);
            } catch {
              /* not hello-app JSON */
            }
          } else report.failures.push({ status: res.statusCode ?? 0, body: body.slice(0, 200) });
          resolve();
        });
      });
      req.on('error', (err) => {
        report.failures.push({ status: err.message, body: '' });
        resolve();
      });
      req.end();
    });
  const loop = (async () => {
    while (running && Date.now() < deadline) await once();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      agent.destroy();
      return report;
    },
  };
}
