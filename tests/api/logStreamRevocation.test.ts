import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { MAX_LOG_STREAMS_PER_TOKEN } from '../../api/logStreams';
import { createArtifactStore } from '../../compute/local/artifactStore';
import { createLogger } from '../../src/logger';
import { apiClient, eventually } from '../helpers/apiClient';
import { helloRelease, type Api } from '../helpers/hello';
import type { SlipwayStack } from '../helpers/slipwayStack';
import { withStack } from '../helpers/withStack';
import { noFaults } from '../../ports/faultPoints';

/** A following SSE client that keeps what it read and says when the server closed. */
interface OpenStream {
  status: number;
  text(): string;
  closed: Promise<void>;
  cancel(): Promise<void>;
}

async function follow(apiUrl: string, opId: string, token: string): Promise<OpenStream> {
  const ac = new AbortController();
  const res = await fetch(`${apiUrl}/api/operations/${opId}/logs?follow=1`, {
    headers: { authorization: `Bearer ${token}` },
    signal: ac.signal,
  });
  if (res.status !== 200) {
    const body = await res.text();
    return { status: res.status, text: () => body, closed: Promise.resolve(), cancel: async () => undefined };
  }
  let text = '';
  const closed = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body!) text += decoder.decode(chunk as Uint8Array, { stream: true });
    } catch {
      /* cancelled by the test */
    }
  })();
  return {
    status: res.status,
    text: () => text,
    closed,
    cancel: async () => {
      ac.abort();
      await closed;
    },
  };
}

const endEvent = (text: string) => {
  const block = text.split('\n\n').find((b) => b.includes('event: end'));
  return block
    ? JSON.parse(
        block
          .split('\n')
          .find((l) => l.startsWith('data: '))!
          .slice(6),
      )
    : undefined;
};

describe('log streams and token revocation', () => {
  let s: SlipwayStack;
  let admin: Api;
  let opId: string;
  let otherApi: FastifyInstance;
  let otherApiUrl: string;
  let tmp: string;

  withStack(
    async (stack, a) => {
      s = stack;
      admin = a;
      await admin('POST', '/api/apps', { slug: 'hello' });
      await admin('POST', '/api/apps/hello/releases', helloRelease(1, { neverReady: true, readinessTimeoutSeconds: 300 }));
      // An operation that stays running for the whole file: its release never gets ready.
      const created = await admin('POST', '/api/deployments', { app: 'hello', tenantId: 'acme', env: { GREETING: 'x' } });
      opId = created.body.operation.id;
      // A second API instance on the same database, as several APIs behind a balancer would be.
      tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-api2-'));
      otherApi = buildApp({
        db: s.db,
        temporal: { client: s.temporal.client, taskQueue: 'unused-by-log-streams' },
        artifacts: createArtifactStore(tmp),
        logger: createLogger('api-2', 'silent'),
        routerPublicPort: s.proxyPort,
        routeDomain: 'localhost',
        secrets: s.secrets,
        faults: noFaults,
      });
      otherApiUrl = await otherApi.listen({ host: '127.0.0.1', port: 0 });
    },
    { readinessTimeoutSeconds: 300 },
  );
  afterAll(async () => {
    await otherApi?.close();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  const newTenantToken = async (name: string) => {
    const r = await admin('POST', '/api/admin/tokens', { name, role: 'tenant', tenantId: 'acme' });
    return { id: r.body.id as string, token: r.body.token as string };
  };
  const opStatus = async () => (await admin('GET', `/api/operations/${opId}`)).body.status;

  it('revoking a token ends its open stream at once with end status token_revoked', async () => {
    const t = await newTenantToken('watcher');
    const stream = await follow(s.apiUrl, opId, t.token);
    expect(stream.status).toBe(200);
    await eventually('the first log line', async () => (stream.text().includes('event: log') ? true : undefined));
    expect((await admin('DELETE', `/api/admin/tokens/${t.id}`)).status).toBe(200);
    await stream.closed;
    expect(endEvent(stream.text())).toEqual({ operationId: opId, status: 'token_revoked', error: null });
    // The operation itself goes on: only the revoked reader was cut off.
    expect(await opStatus()).toBe('running');
    expect(
      (await fetch(`${s.apiUrl}/api/operations/${opId}/logs?follow=1`, { headers: { authorization: `Bearer ${t.token}` } })).status,
    ).toBe(401);
  });

  it('a revocation through another API instance ends the stream too (it rechecks the token in the database)', async () => {
    const t = await newTenantToken('watcher-2');
    const stream = await follow(otherApiUrl, opId, t.token);
    expect(stream.status).toBe(200);
    expect((await admin('DELETE', `/api/admin/tokens/${t.id}`)).status).toBe(200);
    await stream.closed;
    expect(endEvent(stream.text())).toMatchObject({ status: 'token_revoked' });
    expect(await opStatus()).toBe('running');
  });

  it(`caps open streams per token at ${MAX_LOG_STREAMS_PER_TOKEN}: the next is 429, other tokens are unaffected, closing one frees room`, async () => {
    const t = await newTenantToken('greedy');
    const streams: OpenStream[] = [];
    try {
      for (let i = 0; i < MAX_LOG_STREAMS_PER_TOKEN; i++) streams.push(await follow(s.apiUrl, opId, t.token));
      expect(streams.map((x) => x.status)).toEqual(Array(MAX_LOG_STREAMS_PER_TOKEN).fill(200));

      const over = await follow(s.apiUrl, opId, t.token);
      expect(over.status).toBe(429);
      expect(JSON.parse(over.text())).toMatchObject({ code: 'too_many_log_streams' });
      // The plain log read is not a stream and still works.
      expect((await apiClient(s.apiUrl, t.token)('GET', `/api/operations/${opId}/logs`)).status).toBe(200);

      const other = await newTenantToken('modest');
      const theirs = await follow(s.apiUrl, opId, other.token);
      expect(theirs.status).toBe(200);
      streams.push(theirs);

      await streams.shift()!.cancel();
      const again = await eventually('a freed slot', async () => {
        const x = await follow(s.apiUrl, opId, t.token);
        if (x.status === 200) return x;
        await x.cancel();
        return undefined;
      });
      streams.push(again);
    } finally {
      await Promise.all(streams.map((x) => x.cancel()));
    }
  });
});
