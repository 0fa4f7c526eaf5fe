import { createHash } from 'node:crypto';
import path from 'node:path';
import { firstClosedFolderSync } from '../compute/local/traversable';

/**
 * Where a root Slipway keeps what other users must reach (Postgres's cluster, artifacts, app
 * homes) when the data directory sits inside a folder they cannot enter, e.g. a clone in
 * root's 0700 home. One subfolder per data directory, so two checkouts never share.
 */
export const OUTWARD_ROOT = '/var/lib/slipway';

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** The data directory itself when others can pass through to it, else its folder under OUTWARD_ROOT. */
export function outwardDir(dataDir: string): string {
  const resolved = path.resolve(dataDir);
  if (!isRoot() || firstClosedFolderSync(resolved) === null) return resolved;
  return path.join(OUTWARD_ROOT, `data-${createHash('sha256').update(resolved).digest('hex').slice(0, 16)}`);
}

/** Everything Slipway keeps on disk lives under one data directory (or its outward folder, above). */
export function dataPaths(dataDir: string) {
  const outward = outwardDir(dataDir);
  return {
    /** Root of what other users reach; equals dataDir unless that is closed to them. */
    outward,
    artifacts: path.join(outward, 'artifacts'),
    apps: path.join(outward, 'apps'),
    compute: path.join(dataDir, 'compute'),
    postgres: path.join(outward, 'postgres'),
    temporalDb: path.join(dataDir, 'temporal', 'dev.sqlite'),
    /** Config files of the real Temporal server (SLIPWAY_TEMPORAL=server); its data lives in Postgres. */
    temporalServer: path.join(dataDir, 'temporal-server'),
    routerState: path.join(dataDir, 'router', 'routes.json'),
    haproxy: path.join(dataDir, 'haproxy'),
    /** Podman's config and image/container storage when SLIPWAY_COMPUTE=docker runs it (root only, 0700). */
    containers: path.join(dataDir, 'containers'),
    adminToken: path.join(dataDir, 'admin-token'),
    routerAdminSecret: path.join(dataDir, 'router', 'admin-secret'),
    secretKey: path.join(dataDir, 'secret-key'),
    /** The embedded OCI registry: its config and blob store. */
    registry: path.join(dataDir, 'registry'),
  };
}
