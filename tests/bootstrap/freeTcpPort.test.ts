import { readFileSync } from 'node:fs';
import net from 'node:net';
import { getFreePort } from '../../compute/local/freePort';
import { concretePort } from '../../src/bootstrap/freeTcpPort';

describe('concretePort', () => {
  it('keeps a port it is given', async () => {
    expect(await concretePort(5432)).toBe(5432);
  });

  it('picks free ports below the kernel ephemeral range, where outgoing connections never land', async () => {
    const ephemeralStart = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    // concretePort(0) for servers started with a port on their command line; getFreePort for app revisions.
    const ports = await Promise.all([
      ...Array.from({ length: 20 }, () => concretePort(0)),
      ...Array.from({ length: 20 }, () => getFreePort()),
    ]);
    for (const port of ports) {
      expect(port).toBeLessThan(ephemeralStart);
      expect(port).toBeGreaterThan(1024);
    }
    // Each is really free: something can listen on it now.
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(ports[0], '127.0.0.1', resolve));
    await new Promise((r) => server.close(r));
  });
});
