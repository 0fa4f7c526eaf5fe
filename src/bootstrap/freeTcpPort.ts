import net from 'node:net';

/**
 * Asks the kernel for a free TCP port by listening on port 0 and closing again.
 * The Temporal CLI and Postgres need a concrete port number on their command line,
 * so "port 0" has to be resolved here. There is a small race (someone else may take
 * the port before the child binds it); acceptable for local servers and tests.
 *
 * Duplicate of compute/local/freePort.ts on purpose for now (owned by another module).
 */
export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

/** Resolves 0 to a free port and leaves any other port untouched. */
export async function concretePort(port: number, host = '127.0.0.1'): Promise<number> {
  return port === 0 ? freeTcpPort(host) : port;
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
