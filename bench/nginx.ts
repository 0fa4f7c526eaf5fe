import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { getFreePort } from '../compute/local/freePort';

/**
 * Debian's nginx as a reverse proxy to one upstream, for comparing the routers with it: a
 * keepalive upstream pool, HTTP/1.1 to the upstream, the forwarding headers the routers
 * add (X-Forwarded-For/-Proto/-Host, so each proxy does the same work per request), no
 * access log, `workers` worker processes. Foreground child on a free loopback port;
 * stop() ends it. Absent nginx is not an error: find() returns undefined.
 */
export interface NginxProxy {
  port: number;
  /** The master's; its workers are its children. */
  pid: number;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

export function findNginx(): string | undefined {
  if (process.env.NGINX_BIN) return existsSync(process.env.NGINX_BIN) ? process.env.NGINX_BIN : undefined;
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(path.join(dir, 'nginx'))) return path.join(dir, 'nginx');
  return CANDIDATES.find((c) => existsSync(c));
}

/** `upstreamHost` is where the app listens: loopback for a local process, a ClusterIP on kubernetes. */
export async function startNginx(
  bin: string,
  dir: string,
  upstreamPort: number,
  workers = 1,
  upstreamHost = '127.0.0.1',
): Promise<NginxProxy> {
  await fs.mkdir(dir, { recursive: true });
  const port = await getFreePort();
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
  const conf = `
worker_processes ${workers};
daemon off;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  upstream app { server ${upstreamHost}:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto http;
      proxy_set_header X-Forwarded-Host $http_host;
    }
  }
}
`;
  const confFile = path.join(dir, 'nginx.conf');
  await fs.writeFile(confFile, conf);
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not start on port ${port}: ${stderr.trim() || `exit ${child.exitCode}`}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, pid: child.pid!, stop };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}
