'use strict';
// Slipway's example app: a dependency-free HTTP server with knobs that make it start
// slowly, never become ready or crash, so deploys can be shown (and tested) failing.
const http = require('node:http');
const os = require('node:os');

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('hello-app: PORT must be set to a port number');
  process.exit(2);
}

/** Loopback by default; a container image sets 0.0.0.0, since its published port arrives on eth0. */
const host = process.env.HOST || '127.0.0.1';
const version = process.env.SLIPWAY_RELEASE_VERSION || 'unknown';
const greeting = process.env.GREETING || 'hello';
const json = (process.env.LOG_FORMAT || 'json') === 'json';
const ms = (name) => Math.max(0, Number(process.env[name]) || 0);
const startDelayMs = ms('HELLO_START_DELAY_MS');
const readyDelayMs = ms('HELLO_READY_DELAY_MS');
const crashAfterMs = ms('HELLO_CRASH_AFTER_MS');
const neverReady = process.env.HELLO_NEVER_READY === '1';
/** A bad build that starts fine but fails its users: GET / answers 500 (canary tests). */
const failRoot = process.env.HELLO_FAIL_ROOT === '1';
/** Upper bound for /slow so a typo cannot hold a connection for hours. */
const MAX_SLOW_MS = 10 * 60 * 1000;

let ready = false;
let draining = false;

function log(msg, fields = {}) {
  if (json) console.log(JSON.stringify({ time: new Date().toISOString(), pid: process.pid, version, msg, ...fields }));
  else console.log(`${new Date().toISOString()} [${process.pid}] ${msg}`, Object.keys(fields).length ? fields : '');
}

function send(res, status, body, type = 'text/plain') {
  // While draining, ask clients not to reuse the connection so it can close after this answer.
  if (draining) res.setHeader('Connection', 'close');
  res.writeHead(status, { 'Content-Type': type });
  res.end(body);
}

function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (req.method !== 'GET') return send(res, 405, 'method not allowed\n');
  switch (url.pathname) {
    case '/healthz':
      return ready && !neverReady && !draining ? send(res, 200, 'ok\n') : send(res, 503, 'not ready\n');
    case '/': {
      if (failRoot)
        return send(res, 500, JSON.stringify({ version, error: 'failing on purpose (HELLO_FAIL_ROOT=1)' }) + '\n', 'application/json');
      // pid alone is 1 in every container; with the host name it names one process anywhere.
      const body = { version, greeting, pid: process.pid, instance: `${os.hostname()}:${process.pid}` };
      // Proves a secret reached the app without ever showing it.
      if (process.env.SESSION_SECRET !== undefined) body.secretLength = process.env.SESSION_SECRET.length;
      return send(res, 200, JSON.stringify(body) + '\n', 'application/json');
    }
    case '/slow': {
      const wait = Math.min(MAX_SLOW_MS, Math.max(0, Number(url.searchParams.get('ms')) || 0));
      return void setTimeout(() => send(res, 200, `slept ${wait}ms\n`), wait);
    }
    case '/fail':
      return send(res, 500, 'failing on purpose\n');
    default:
      return send(res, 404, 'not found\n');
  }
}

const server = http.createServer(handle);

function listen() {
  server.listen(port, host, () => {
    log('listening', { port });
    setTimeout(() => {
      ready = true;
      log(neverReady ? 'never becoming ready (HELLO_NEVER_READY=1)' : 'ready');
    }, readyDelayMs);
  });
}

if (crashAfterMs > 0) {
  setTimeout(() => {
    log('crashing on purpose (HELLO_CRASH_AFTER_MS)');
    process.exit(1);
  }, crashAfterMs);
}

process.on('SIGTERM', () => {
  if (draining) return;
  draining = true;
  log('SIGTERM: draining');
  if (!server.listening) process.exit(0); // still in the start delay: nothing to drain
  // Stop accepting; exit once in-flight requests have answered. Idle keep-alive sockets
  // would otherwise hold the server open until the client gives up.
  server.close(() => {
    log('drained; exiting');
    process.exit(0);
  });
  server.closeIdleConnections();
});

log('starting', { startDelayMs, readyDelayMs });
setTimeout(listen, startDelayMs);
