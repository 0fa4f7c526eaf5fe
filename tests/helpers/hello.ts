import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiClient, eventually, viaRouter } from './apiClient';
import type { SlipwayStack } from './slipwayStack';

export type Api = ReturnType<typeof apiClient>;

/** Release bodies shipped with examples/hello-app (v1 = 1.0.0, v2 = 2.0.0). */
export function helloRelease(
  v: 1 | 2,
  overrides: {
    version?: string;
    readinessTimeoutSeconds?: number;
    neverReady?: boolean;
    failRoot?: boolean;
    image?: string;
    /** The manifest's release step. */
    release?: Record<string, unknown>;
  } = {},
) {
  const body = JSON.parse(readFileSync(path.join(__dirname, '../../examples/hello-app', `release-v${v}.json`), 'utf8'));
  // The same app from the test image (tests/helpers/containerStack.ts) instead of the artifact.
  if (overrides.image) {
    delete body.artifact;
    const { command: _artifactCommand, ...service } = body.manifest.services[0];
    body.manifest.services[0] = { ...service, image: overrides.image, port: 8080 };
  }
  if (overrides.version) body.version = overrides.version;
  if (overrides.readinessTimeoutSeconds) body.manifest.services[0].readiness.timeoutSeconds = overrides.readinessTimeoutSeconds;
  // A broken build: its readiness path never answers 2xx (hello-app's HELLO_NEVER_READY knob).
  if (overrides.neverReady) body.manifest.env.HELLO_NEVER_READY = { default: '1' };
  // A bad build that passes readiness but answers 500 to users.
  if (overrides.failRoot) body.manifest.env.HELLO_FAIL_ROOT = { default: '1' };
  if (overrides.release) body.manifest.release = overrides.release;
  return body;
}

export async function waitForOperation(api: Api, id: string, timeoutMs = 90_000): Promise<any> {
  return eventually(
    `operation ${id} to finish`,
    async () => {
      const r = await api('GET', `/api/operations/${id}`);
      return ['succeeded', 'failed', 'cancelled'].includes(r.body?.status) ? r.body : undefined;
    },
    timeoutMs,
  );
}

/** Starts an operation through the API and waits for its end; fails loudly on a non-202. */
export async function runOperation(api: Api, method: string, path: string, body?: unknown): Promise<any> {
  const r = await api(method, path, body ?? {});
  if (r.status !== 202) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return waitForOperation(api, r.body.operation.id);
}

export async function answer(s: SlipwayStack, hostname: string): Promise<{ status: number; json: any; headers: Record<string, unknown> }> {
  const r = await viaRouter(s.proxyPort, hostname);
  let json: any;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = r.body;
  }
  return { status: r.status, json, headers: r.headers };
}

/** Creates a deployment of `hello` and waits until its deploy succeeded. */
export async function deployHello(api: Api, body: Record<string, unknown>): Promise<{ id: string; hostname: string }> {
  const r = await api('POST', '/api/deployments', { app: 'hello', ...body });
  if (r.status !== 202) throw new Error(`deploy answered ${r.status}: ${JSON.stringify(r.body)}`);
  const op = await waitForOperation(api, r.body.operation.id);
  if (op.status !== 'succeeded') throw new Error(`deploy failed: ${JSON.stringify(op.error)}`);
  return { id: r.body.deployment.id, hostname: r.body.deployment.hostname };
}
