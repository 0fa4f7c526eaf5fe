import { apiClient } from '../helpers/apiClient';
import { helloRelease, type Api } from '../helpers/hello';
import { startSlipwayStack, type SlipwayStack } from '../helpers/slipwayStack';
import { settle } from './support';

interface SseEvent {
  event: string;
  id?: string;
  data: any;
}

/** Reads a text/event-stream until the server closes it. */
async function readEvents(
  url: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | null; events: SseEvent[] }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const events: SseEvent[] = [];
  const text = await res.text();
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l && !l.startsWith(':'));
    if (lines.length === 0) continue;
    const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
    events.push({ event: field('event') ?? 'message', id: field('id'), data: JSON.parse(field('data') ?? 'null') });
  }
  return { status: res.status, type: res.headers.get('content-type'), events };
}

describe('GET /api/operations/:id/logs?follow=1 streams the log as server-sent events', () => {
  let s: SlipwayStack;
  let acme: Api;
  let token: string;

  beforeAll(async () => {
    s = await startSlipwayStack();
    const admin = apiClient(s.apiUrl, s.adminToken);
    token = await s.tenantToken('acme');
    acme = apiClient(s.apiUrl, token);
    await admin('POST', '/api/apps', { slug: 'hello' });
    await admin('POST', '/api/apps/hello/releases', helloRelease(1));
  });
  afterAll(async () => {
    await s?.close();
  });

  it('sends each log line as it is written, then end with the terminal status, then closes', async () => {
    const created = await acme('POST', '/api/deployments', { app: 'hello', env: { GREETING: 'x', HELLO_START_DELAY_MS: '1500' } });
    const opId = created.body.operation.id;
    const streamed = await readEvents(`${s.apiUrl}/api/operations/${opId}/logs?follow=1`, token);
    expect(streamed.status).toBe(200);
    expect(streamed.type).toMatch(/^text\/event-stream/);
    const logs = streamed.events.filter((e) => e.event === 'log');
    expect(logs.length).toBeGreaterThan(3);
    expect(logs[0].data).toEqual({
      id: logs[0].id,
      phase: expect.any(String),
      level: expect.any(String),
      message: expect.any(String),
      at: expect.any(String),
    });
    expect(streamed.events.at(-1)).toEqual({ event: 'end', id: undefined, data: { operationId: opId, status: 'succeeded', error: null } });
    expect(streamed.events.filter((e) => e.event === 'end')).toHaveLength(1);

    // Same lines as the JSON answer, in order, none twice.
    const json = await acme('GET', `/api/operations/${opId}/logs`);
    expect(logs.map((e) => e.data.id)).toEqual(json.body.logs.map((l: { id: string }) => l.id));

    // A reconnect with Last-Event-ID gets only what came after it.
    const resumed = await readEvents(`${s.apiUrl}/api/operations/${opId}/logs?follow=1`, token, { 'Last-Event-ID': logs[1].id as string });
    expect(resumed.events.filter((e) => e.event === 'log').map((e) => e.data.id)).toEqual(logs.slice(2).map((e) => e.data.id));
    await settle(s, acme, opId);
  });

  it('leaves no stream open when the client goes away mid-stream (app.close does not wait on it)', async () => {
    const created = await acme('POST', '/api/deployments', {
      app: 'hello',
      name: 'slow',
      env: { GREETING: 'x', HELLO_START_DELAY_MS: '3000' },
    });
    const ac = new AbortController();
    const res = await fetch(`${s.apiUrl}/api/operations/${created.body.operation.id}/logs?follow=1`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    ac.abort();
    await res.body?.cancel().catch(() => undefined);
    await settle(s, acme, created.body.operation.id);
    // The server kept no stream open: closing the app does not wait on it (afterAll would time out).
  });

  it('rejects an unknown follow value with 400', async () => {
    const created = await acme('GET', '/api/deployments');
    const opId = (await acme('GET', `/api/deployments/${created.body.deployments[0].id}/operations`)).body.operations[0].id;
    const r = await acme('GET', `/api/operations/${opId}/logs?follow=yes`);
    expect(r.status).toBe(400);
    expect(r.body.fields[0].field).toBe('query.follow');
  });
});
