import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export const HAPROXY_INSTALL_HINT = 'apt-get install -y haproxy';

export class HaproxyMissingError extends Error {}

/** HAProxy found on PATH (Debian puts it in /usr/sbin, which a non-root PATH may lack). */
export function findHaproxy(envPath = process.env.PATH ?? ''): string {
  const dirs = [...envPath.split(path.delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'haproxy');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  throw new HaproxyMissingError(`SLIPWAY_ROUTER=haproxy needs HAProxy ≥ 2.6 on PATH; install it with: ${HAPROXY_INSTALL_HINT}`);
}

/**
 * Master-worker in the foreground, so a supervisor owns it; the master CLI socket takes `reload`.
 * `-q` also sends the workers' stderr to /dev/null, so it goes when the error log is on.
 */
export function haproxyArgs(paths: { config: string; masterSocket: string }, errorLog = false): string[] {
  return ['-W', '-db', ...(errorLog ? [] : ['-q']), '-f', paths.config, '-S', `${paths.masterSocket},mode,600`];
}
