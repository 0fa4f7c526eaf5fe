import type { RouteSpec, RouteStats, TrafficRouter } from '../../ports/traffic';

/** A router on loopback answers in milliseconds; past this, let the activity retry. */
export const DEFAULT_ROUTER_REQUEST_TIMEOUT_MS = 10_000;

export interface HttpRouterClientOptions {
  adminUrl: string;
  /** The router's admin secret, sent as a bearer token. */
  adminSecret: string;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}

/**
 * A failed call to the router. Plain Error subclass, so Temporal retries it by
 * default; `status` lets an activity treat a 400 (our bug, not the network) as
 * non-retryable if it wants to.
 */
export class RouterRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RouterRequestError';
  }
}

/** TrafficRouter over the built-in router's admin API, for activities in the worker process. */
export function createHttpRouterClient(opts: HttpRouterClientOptions): TrafficRouter {
  const base = opts.adminUrl.replace(/\/+$/, '');
  const fetchImpl = opts.fetchImpl ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ROUTER_REQUEST_TIMEOUT_MS;

  const auth = { authorization: `Bearer ${opts.adminSecret}` };

  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetchImpl(base + path, {
        method,
        headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new RouterRequestError(`traffic router at ${base} is unreachable (${method} ${path}): ${(err as Error).message}`, undefined, {
        cause: err,
      });
    }
  }

  async function fail(res: Response, method: string, path: string): Promise<never> {
    const text = await res.text().catch(() => '');
    throw new RouterRequestError(
      `traffic router at ${base} answered ${res.status} to ${method} ${path}: ${text.slice(0, 500)}`,
      res.status,
    );
  }

  const routePath = (id: string) => `/routes/${encodeURIComponent(id)}`;

  return {
    async setRoute(route: RouteSpec) {
      const path = routePath(route.deploymentId);
      const res = await call('PUT', path, route);
      if (!res.ok) await fail(res, 'PUT', path);
      await res.body?.cancel();
    },
    async getRoute(deploymentId) {
      const path = routePath(deploymentId);
      const res = await call('GET', path);
      if (res.status === 404) return discard(res, null);
      if (!res.ok) return fail(res, 'GET', path);
      return (await res.json()) as RouteSpec;
    },
    async removeRoute(deploymentId) {
      const path = routePath(deploymentId);
      const res = await call('DELETE', path);
      if (!res.ok && res.status !== 404) await fail(res, 'DELETE', path);
      await res.body?.cancel();
    },
    async stats(deploymentId) {
      const path = `${routePath(deploymentId)}/stats`;
      const res = await call('GET', path);
      if (res.status === 404) return discard(res, null);
      if (!res.ok) return fail(res, 'GET', path);
      return (await res.json()) as RouteStats;
    },
  };
}

/** Frees the connection of a response whose body we do not need. */
async function discard<T>(res: Response, value: T): Promise<T> {
  await res.body?.cancel();
  return value;
}
