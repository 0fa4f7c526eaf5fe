import { execFileSync } from 'node:child_process';
import { findHaproxy, HAPROXY_INSTALL_HINT } from '../../traffic/haproxy/haproxyBinary';

/**
 * The router suites run on HAProxy too, so the test run installs it when it is missing
 * (root on Debian) and fails loudly otherwise: a suite that silently ran on one router
 * only would prove half of what it claims.
 */
export function ensureHaproxy(): string {
  try {
    return findHaproxy();
  } catch {
    /* install below */
  }
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) throw new Error(`the router tests need HAProxy and this user cannot install it; run: ${HAPROXY_INSTALL_HINT}`);
  try {
    execFileSync('apt-get', ['update'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', 'haproxy'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    throw new Error(`installing HAProxy for the router tests failed (${(err as Error).message}); run: ${HAPROXY_INSTALL_HINT}`, {
      cause: err,
    });
  }
  return findHaproxy();
}
