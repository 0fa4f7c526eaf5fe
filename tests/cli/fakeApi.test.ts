import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli, STACK_LINE } from './runCli';

/**
 * The CLI's HTTP mechanics against a scripted server: retries with one Idempotency-Key,
 * the SSE follow path and its polling fallback. The real API is exercised in cli.test.ts.
 */
type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const op = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'op-abc123',
  deploymentId: 'd-abc123',
  kind: 'upgrade',
  trigger: 'api',
  actor: 'admin:x',
  fromVersion: '1.0.0',
  toVersion: '2.0.0',
  configRevision: 1,
  strategy: 'blue_green',
  workflowId: 'deployment-d-abc123',
  runId: 'r',
  status,
  phase: null,
  error: null,
  createdAt: '2024-01-01T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  durationMs: status === 'succeeded' ? 3200 : null,
  ...extra,
});
const logs = [
  { id: '1', phase: 'fetchDeployment', level: 'info', message: 'upgrade of d-abc123 to 2.0.0', at: '2024-01-01T00:00:00.000Z' },
  { id: '2', phase: 'fetchDeployment', level: 'info', message: 'second line, same phase', at: '2024-01-01T00:00:00.100Z' },
  { id: '3', phase: 'startRevision', level: 'info', message: 'starting green', at: '2024-01-01T00:00:00.200Z' },
  { id: '4', phase: 'awaitReady', level: 'error', message: 'web exited with code 1', at: '2024-01-01T00:00:01.000Z' },
];
const send = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('slipway CLI against a scripted API', () => {
  let server: http.Server;
  let url: string;
  let handler: Handler;
  const seen: { method: string; url: string; key?: string; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', key: req.headers['idempotency-key'] as string | undefined, body });
        handler(req, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    seen.length = 0;
  });
  const cli = (...args: string[]) => runCli(args, { SLIPWAY_URL: url, SLIPWAY_TOKEN: 'tok' });

  it('retries a POST on 503 with the same Idempotency-Key, then reports the operation', async () => {
    let calls = 0;
    handler = (req, res) =>
      calls++ < 2 ? send(res, 503, { code: 'unavailable', message: 'busy' }) : send(res, 202, { operation: op('pending'), deployment: {} });
    const r = await cli('deployments', 'upgrade', 'd-abc123', '--version', '2.0.0');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('upgrade of d-abc123 to 2.0.0: operation op-abc123 started');
    expect(r.stdout).toContain('slipway operations logs op-abc123 --follow');
    const posts = seen.filter((s) => s.method === 'POST');
    expect(posts).toHaveLength(3);
    expect(posts[0].key).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(posts.map((p) => p.key)).size).toBe(1);
    expect(JSON.parse(posts[0].body)).toEqual({ version: '2.0.0' });
  });

  it('gives up after 3 retries and passes the 503 on', async () => {
    handler = (_req, res) => send(res, 503, { code: 'unavailable', message: 'the workflow engine is unreachable' });
    const r = await cli('deployments', 'restart', 'd-abc123', '--idempotency-key', 'k-1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the workflow engine is unreachable');
    expect(seen.map((s) => s.key)).toEqual(['k-1', 'k-1', 'k-1', 'k-1']);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('follows an operation over SSE: one line per phase, errors too, then the outcome', async () => {
    handler = (req, res) => {
      if (req.url === '/api/deployments/d-abc123/upgrade') return send(res, 202, { operation: op('pending'), deployment: {} });
      if (req.url === '/api/operations/op-abc123/logs?follow=1') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': hello\n\n');
        for (const l of logs) res.write(`event: log\ndata: ${JSON.stringify(l)}\n\n`);
        res.end('event: end\ndata: {"status":"failed"}\n\n');
        return;
      }
      if (req.url === '/api/operations/op-abc123')
        return send(res, 200, op('failed', { error: { type: 'RevisionCrashed', message: 'web exited with code 1' } }));
      if (req.url === '/api/operations/op-abc123/logs') return send(res, 200, { operationId: 'op-abc123', status: 'failed', logs });
      send(res, 404, { code: 'not_found', message: 'nope' });
    };
    const r = await cli('deployments', 'upgrade', 'd-abc123', '--wait');
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      'upgrade of d-abc123 to 2.0.0: operation op-abc123 started',
      '[  5%] fetchDeployment  upgrade of d-abc123 to 2.0.0',
      '[ 35%] startRevision    starting green',
      '[ 70%] awaitReady       error: web exited with code 1',
      '',
    ]);
    expect(r.stderr).toBe('failed: RevisionCrashed: web exited with code 1\n');
  });

  it('falls back to polling when the logs endpoint does not stream', async () => {
    let polls = 0;
    handler = (req, res) => {
      if (req.url?.startsWith('/api/operations/op-abc123/logs'))
        return send(res, 200, { operationId: 'op-abc123', status: 'running', logs: logs.slice(0, polls > 1 ? 3 : 1) });
      if (req.url === '/api/operations/op-abc123') return send(res, 200, op(++polls > 2 ? 'succeeded' : 'running'));
      send(res, 404, { code: 'not_found', message: 'nope' });
    };
    const r = await cli('operations', 'logs', 'op-abc123', '--follow');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^00:00:00\.000Z\s+fetchDeployment\s+info\s+upgrade of d-abc123/);
    expect(lines[3]).toBe('operation op-abc123 succeeded in 3.2s');
  });

  it('names the in-flight operation on 409 and prints each field of a 400', async () => {
    handler = (_req, res) =>
      send(res, 409, {
        code: 'operation_in_flight',
        message: 'deployment d-abc123 has an operation in flight (upgrade op-zzz999)',
        operationId: 'op-zzz999',
      });
    const c = await cli('deployments', 'rollback', 'd-abc123');
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('has an operation in flight');
    expect(c.stderr).toContain('slipway operations logs op-zzz999 --follow');

    handler = (_req, res) =>
      send(res, 400, {
        code: 'bad_request',
        message: 'invalid body',
        fields: [
          { field: 'body.version', message: 'no such release' },
          { field: 'body.strategy', message: 'bad' },
        ],
      });
    const b = await cli('deployments', 'upgrade', 'd-abc123', '--version', '9.9.9', '--strategy', 'x');
    expect(b.code).toBe(1);
    expect(b.stderr).toBe('slipway: the request was refused:\n  body.version: no such release\n  body.strategy: bad\n');
  });

  it('refuses bad command lines locally with exit 2, sending nothing', async () => {
    const noConfirm = await cli('deployments', 'destroy', 'd-abc123');
    expect(noConfirm.code).toBe(2);
    expect(noConfirm.stderr).toContain('--confirm d-abc123');
    expect((await cli('deployments', 'destroy', 'd-abc123', '--confirm', 'd-other1')).code).toBe(2);
    expect((await cli('deployments', 'env', 'd-abc123', 'NOT A PAIR')).code).toBe(2);
    expect((await cli('deployments', 'show')).code).toBe(2);
    expect((await cli('deployments', 'show', 'd-abc123', 'extra')).code).toBe(2);
    expect(seen).toEqual([]);
  });

  it('sends env changes as PUT with env, unset and secretEnv', async () => {
    handler = (_req, res) => send(res, 202, { operation: op('pending', { kind: 'restart', toVersion: null }), deployment: {} });
    const r = await cli('deployments', 'env', 'd-abc123', 'A=1', 'B=x=y', '--unset', 'C', '--secret', 'B');
    expect(r.code).toBe(0);
    expect(seen[0]).toMatchObject({ method: 'PUT', url: '/api/deployments/d-abc123/env' });
    expect(JSON.parse(seen[0].body)).toEqual({ env: { A: '1', B: 'x=y' }, unset: ['C'], secretEnv: ['B'] });
    expect(r.stdout).toContain('restart of d-abc123: operation op-abc123 started');
  });
});
