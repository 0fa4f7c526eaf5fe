import type { Config } from '../config';

/** One supervised child of `npm start`: which process file it runs, its name in logs, its own variables. */
export interface Replica {
  process: 'worker' | 'api';
  label: string;
  env: Record<string, string>;
}

export interface ReplicaPlan {
  workers: Replica[];
  apis: Replica[];
  apiPorts: number[];
}

/**
 * SLIPWAY_WORKERS workers and SLIPWAY_APIS APIs. APIs take consecutive ports from
 * SLIPWAY_API_PORT, for a load balancer in front. Only the first worker repairs serving
 * revisions at boot: two workers doing it at once would both start the same missing process.
 */
export function replicaPlan(config: Pick<Config, 'workers' | 'apis' | 'apiPort'>): ReplicaPlan {
  const name = (base: string, i: number, n: number) => (n > 1 ? `${base}-${i + 1}` : base);
  const workers = Array.from({ length: config.workers }, (_, i): Replica => ({
    process: 'worker',
    label: name('worker', i, config.workers),
    env: i === 0 ? {} : { SLIPWAY_RESTORE_ON_BOOT: '0' },
  }));
  const apiPorts = Array.from({ length: config.apis }, (_, i) => config.apiPort + i);
  const apis = apiPorts.map((port, i): Replica => ({
    process: 'api',
    label: name('api', i, config.apis),
    env: { SLIPWAY_API_PORT: String(port) },
  }));
  return { workers, apis, apiPorts };
}
