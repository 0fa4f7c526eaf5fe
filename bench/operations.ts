import { performance } from 'node:perf_hooks';
import { apiClient } from '../tests/helpers/apiClient';
import { helloRelease } from '../tests/helpers/hello';

/** Operations through the real HTTP API, timed from this process, for the benches. */
export type Api = ReturnType<typeof apiClient>;

export interface StartedOp {
  id: string;
  deploymentId: string;
  /** performance.now() just before the request went out / when the 202 came back. */
  sentAt: number;
  answeredAt: number;
}

export interface FinishedOp {
  id: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  error: { type: string; message: string } | null;
  /** Engine-side timing (API timestamps): created → finished, started → finished. */
  createdToFinishedMs: number;
  /** Epoch ms of the operation row's created_at. */
  createdAtMs: number;
  startedToFinishedMs: number;
  /** performance.now() when this process saw it finished (polling every `pollMs`). */
  seenFinishedAt: number;
}

export async function startOp(api: Api, method: string, path: string, body: unknown = {}): Promise<StartedOp> {
  const sentAt = performance.now();
  const r = await api(method, path, body);
  const answeredAt = performance.now();
  if (r.status !== 202) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return { id: r.body.operation.id, deploymentId: r.body.deployment?.id ?? r.body.operation.deploymentId, sentAt, answeredAt };
}

export async function waitOp(api: Api, id: string, timeoutMs = 180_000, pollMs = 100): Promise<FinishedOp> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await api('GET', `/api/operations/${id}`);
    const o = r.body;
    if (r.status === 200 && ['succeeded', 'failed', 'cancelled'].includes(o.status)) {
      const t = (s: string | null) => (s ? new Date(s).getTime() : NaN);
      return {
        id,
        status: o.status,
        error: o.error ?? null,
        createdToFinishedMs: t(o.finishedAt) - t(o.createdAt),
        createdAtMs: t(o.createdAt),
        startedToFinishedMs: t(o.finishedAt) - t(o.startedAt),
        seenFinishedAt: performance.now(),
      };
    }
    if (Date.now() > deadline) throw new Error(`operation ${id} did not finish within ${timeoutMs / 1000} s (last: ${JSON.stringify(o)})`);
    await new Promise((res) => setTimeout(res, pollMs));
  }
}

export async function runOp(api: Api, method: string, path: string, body: unknown = {}): Promise<{ started: StartedOp; done: FinishedOp }> {
  const started = await startOp(api, method, path, body);
  return { started, done: await waitOp(api, started.id) };
}

/** The app `hello` with releases 1.0.0, 2.0.0 and the given extra versions (extra `-bad` ones answer 500 on GET /). */
export async function createHelloApp(admin: Api, extraVersions: string[] = [], badVersions: string[] = [], image?: string): Promise<void> {
  const check = async (what: string, p: Promise<{ status: number; body: unknown }>) => {
    const r = await p;
    if (r.status !== 201) throw new Error(`${what} answered ${r.status}: ${JSON.stringify(r.body)}`);
  };
  await check('create app', admin('POST', '/api/apps', { slug: 'hello', name: 'Hello' }));
  const bodies = [
    helloRelease(1, { image }),
    helloRelease(2, { image }),
    ...extraVersions.map((version) => helloRelease(2, { version, image })),
    ...badVersions.map((version) => helloRelease(2, { version, failRoot: true, image })),
  ];
  for (const body of bodies) await check(`release ${body.version}`, admin('POST', '/api/apps/hello/releases', body));
}

/** Creates a deployment of hello and waits for it to run; returns its id, hostname and the deploy's timing. */
export async function deploy(
  api: Api,
  body: Record<string, unknown>,
): Promise<{ id: string; hostname: string; started: StartedOp; done: FinishedOp }> {
  const sentAt = performance.now();
  const r = await api('POST', '/api/deployments', { app: 'hello', tenantId: 'bench', env: { GREETING: 'hello' }, ...body });
  const answeredAt = performance.now();
  if (r.status !== 202) throw new Error(`deploy answered ${r.status}: ${JSON.stringify(r.body)}`);
  const started: StartedOp = { id: r.body.operation.id, deploymentId: r.body.deployment.id, sentAt, answeredAt };
  const done = await waitOp(api, started.id);
  if (done.status !== 'succeeded') throw new Error(`deploy failed: ${JSON.stringify(done.error)}`);
  return { id: r.body.deployment.id, hostname: r.body.deployment.hostname, started, done };
}

/** "… ready after N probe(s), M ms" lines of an operation's log (one per revision made ready). */
export async function readinessTimes(api: Api, opId: string): Promise<number[]> {
  const r = await api('GET', `/api/operations/${opId}/logs`);
  const out: number[] = [];
  for (const l of (r.body?.logs ?? []) as { message: string }[]) {
    const m = /ready after \d+ probe\(s\), (\d+) ms/.exec(l.message);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

/**
 * Where an operation's time went: each phase's first log line, in ms after the operation
 * row was created (e.g. "fetchDeployment +42, switchTraffic +380, finalize +610, end +700").
 */
export async function phaseTimeline(api: Api, op: FinishedOp): Promise<string> {
  const r = await api('GET', `/api/operations/${op.id}/logs`);
  const seen = new Map<string, number>();
  for (const l of (r.body?.logs ?? []) as { phase: string; at: string }[]) {
    if (!seen.has(l.phase)) seen.set(l.phase, new Date(l.at).getTime() - op.createdAtMs);
  }
  return [...[...seen].map(([phase, t]) => `${phase} +${t}`), `finished +${op.createdToFinishedMs}`].join(', ');
}
