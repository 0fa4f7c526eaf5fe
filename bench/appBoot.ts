import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { getFreePort } from '../compute/local/freePort';

const HELLO_DIR = path.resolve(__dirname, '../examples/hello-app');
const PROBE_EVERY_MS = 2;

/**
 * hello-app's own boot-to-ready time, without Slipway: spawn `node server.js` and probe
 * /healthz every 2 ms until it answers 200. This is the part of an operation that belongs
 * to the app, so "engine overhead" is an operation's duration minus this.
 */
export async function helloBootToReadyMs(): Promise<number> {
  const port = await getFreePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['server.js'], {
    cwd: HELLO_DIR,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), GREETING: 'boot', SLIPWAY_RELEASE_VERSION: 'boot' },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = started + 30_000;
    for (;;) {
      if ((await probe(port)) === 200) return performance.now() - started;
      if (child.exitCode !== null) throw new Error(`hello-app exited with ${child.exitCode} before it was ready`);
      if (performance.now() > deadline) throw new Error('hello-app was not ready within 30 s');
      await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

function probe(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}
