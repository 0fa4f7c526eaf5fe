import net from 'node:net';
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

/**
 * A free port in [min, max]: random tries, each checked by listening on it. The Temporal server
 * stores membership ports in a Postgres smallint, so they must stay below 32768, where the
 * kernel's ephemeral range (what port 0 hands out) does not reach.
 */
export async function freeTcpPortIn(min: number, max: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = min + Math.floor(Math.random() * (max - min + 1));
    if (await canListen(port, host)) return port;
  }
  throw new Error(`no free TCP port between ${min} and ${max}`);
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
