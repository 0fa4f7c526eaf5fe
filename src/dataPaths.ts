import path from 'node:path';

/** Everything Slipway keeps on disk lives under one data directory. */
export function dataPaths(dataDir: string) {
  return {
    artifacts: path.join(dataDir, 'artifacts'),
    compute: path.join(dataDir, 'compute'),
    postgres: path.join(dataDir, 'postgres'),
    temporalDb: path.join(dataDir, 'temporal', 'dev.sqlite'),
    /** Config files of the real Temporal server (SLIPWAY_TEMPORAL=server); its data lives in Postgres. */
    temporalServer: path.join(dataDir, 'temporal-server'),
    routerState: path.join(dataDir, 'router', 'routes.json'),
    adminToken: path.join(dataDir, 'admin-token'),
  };
}
