import { getFreePort } from '../../compute/local/freePort';

export { freeTcpPortIn } from '../../compute/local/freePort';

/**
 * Resolves 0 to a free port (below the ephemeral range, see getFreePort) and leaves any other
 * port untouched. The Temporal CLI and Postgres need a concrete port number on their command
 * line; callers that can retry a collision do (embeddedPostgres.ts).
 */
export async function concretePort(port: number, host = '127.0.0.1'): Promise<number> {
  return port !== 0 ? port : getFreePort(host);
}
