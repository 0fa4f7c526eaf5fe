import net from 'node:net';

/**
 * A TCP port that was free on the loopback interface a moment ago. The kernel picks it
 * (listen on port 0); there is a small window before the app binds it, so callers that
 * start a process on it should treat "address in use" as a retryable start failure.
 */
export function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close((err) => (err ? reject(err) : port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
