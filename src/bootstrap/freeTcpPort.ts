import { getFreePort } from '../../compute/local/freePort';

/**
 * Resolves 0 to a free port and leaves any other port untouched. The Temporal CLI and
 * Postgres need a concrete port number on their command line, so "port 0" is resolved
 * here, with the one free-port helper (compute/local/freePort.ts). The small race (someone
 * else may take the port before the child binds it) is acceptable for local servers.
 */
export async function concretePort(port: number, host = '127.0.0.1'): Promise<number> {
  return port === 0 ? getFreePort(host) : port;
}
