import type { Client } from '@temporalio/client';
import { deploymentWorkflowId } from '../../domain/operations';
import { apiClient, eventually, viaRouter } from '../helpers/apiClient';
import { helloRelease } from '../helpers/hello';

/** Shared steps of the crash tests: the hello-app catalog, waiting on operations, asking the router. */

export type Api = ReturnType<typeof apiClient>;

/** Creates app `hello` with releases 1.0.0 and 2.0.0: from the artifact, or from `image` (a docker stack's test image). */
export async function publishHelloApp(admin: Api, image?: string): Promise<void> {
  const created = await admin('POST', '/api/apps', { slug: 'hello', name: 'Hello' });
  if (created.status !== 201) throw new Error(`create app: ${created.status} ${JSON.stringify(created.body)}`);
  for (const v of [1, 2] as const) {
    const r = await admin('POST', '/api/apps/hello/releases', helloRelease(v, { image }));
    if (r.status !== 201) throw new Error(`create release v${v}: ${r.status} ${JSON.stringify(r.body)}`);
  }
}

export const FINISHED = ['succeeded', 'failed', 'cancelled'];

export function waitForOperation(
  api: Api,
  id: string,
  timeoutMs = 150_000,
): Promise<{ status: string; error: unknown; [k: string]: unknown }> {
  return eventually(
    `operation ${id} to finish`,
    async () => {
      const r = await api('GET', `/api/operations/${id}`);
      return FINISHED.includes(r.body?.status) ? r.body : undefined;
    },
    timeoutMs,
    250,
  );
}

/**
 * The operation has finished AND its workflow has closed. The row turns `succeeded` in the
 * last activity, a moment before the workflow closes; until then the deployment's workflow
 * id is taken and a new operation on it is refused with 409.
 */
export async function waitForOperationClosed(api: Api, client: Client, deploymentId: string, operationId: string) {
  const done = await waitForOperation(api, operationId);
  await client.workflow
    .getHandle(deploymentWorkflowId(deploymentId))
    .result()
    .catch(() => undefined);
  return done;
}

/** The version the router's upstream answers with for this hostname, or the HTTP status when not 200. */
export async function servedVersion(proxyPort: number, hostname: string): Promise<string> {
  const res = await viaRouter(proxyPort, hostname);
  if (res.status !== 200) return `HTTP ${res.status}`;
  return (JSON.parse(res.body) as { version: string }).version;
}

/** Asks the router `n` times in a row; every answer must come from the same version. */
export async function servedVersions(proxyPort: number, hostname: string, n = 10): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(await servedVersion(proxyPort, hostname));
  return [...seen];
}

/** Milliseconds as seconds with one decimal, for the timing lines the tests print. */
export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Timing lines go straight to stderr so they show in the jest output without console.log's stack noise. */
export function report(line: string): void {
  process.stderr.write(`[crash] ${line}\n`);
}
