import { readFile } from 'node:fs/promises';
import net from 'node:net';

/**
 * A TCP port that was free on `host` a moment ago, for a child (an app, a server) to bind
 * next. It is taken from below the kernel's ephemeral range: a port the kernel handed out
 * a moment ago (listen on 0) is just as likely to be handed out again as the local end of
 * some outgoing connection before the child binds it, and a busy machine has thousands of
 * those. Two callers picking the same random port in the window remains possible but rare.
 */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  const ephemeralStart = await ephemeralRangeStart();
  return freeTcpPortIn(Math.min(15_000, ephemeralStart - 1000), ephemeralStart - 1, host);
}

async function ephemeralRangeStart(): Promise<number> {
  try {
    const [low] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > 2000) return low;
  } catch {
    // Not Linux: use the IANA dynamic range's start, which macOS and Windows use.
  }
  return 49_152;
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
