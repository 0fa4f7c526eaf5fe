import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ComputeProvider, RevisionSpec, RunningRevision } from '../../ports/compute';

/**
 * A SIMULATOR of a compute provider, for measuring the engine alone at fleet scale
 * (bench/fleet.ts). It starts no processes: every "revision" is a record in memory whose
 * endpoint is one shared in-process HTTP server that answers 200 on any path with
 * `{"simulated":true}`. Used by the fleet benchmark only, never by Slipway itself.
 */
export interface ComputeSimulator {
  provider: ComputeProvider;
  /** Revisions the simulator believes run. */
  running(): number;
  close(): Promise<void>;
}

export async function startComputeSimulator(): Promise<ComputeSimulator> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ simulated: true, path: req.url }));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
  const revisions = new Map<string, RunningRevision & { deploymentId: string }>();
  let nextPid = 1_000_000;

  const provider: ComputeProvider = {
    name: 'simulator',
    async start(spec: RevisionSpec) {
      const existing = revisions.get(spec.key);
      if (existing) return existing;
      const rev = { key: spec.key, deploymentId: spec.deploymentId, endpoint, pid: nextPid++, startedAt: new Date().toISOString() };
      revisions.set(spec.key, rev);
      return rev;
    },
    async status(key) {
      return revisions.get(key) ?? null;
    },
    async stop(key) {
      revisions.delete(key);
    },
    async tailLogs() {
      return ['(simulator: no process, no output)'];
    },
    async list(deploymentId) {
      return [...revisions.values()].filter((r) => r.deploymentId === deploymentId).map((r) => r.key);
    },
  };

  return {
    provider,
    running: () => revisions.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
