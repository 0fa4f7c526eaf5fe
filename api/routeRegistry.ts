import type { FastifyInstance } from 'fastify';

const registered = new WeakMap<FastifyInstance, { method: string; path: string }[]>();

/** Call before any route is added: remembers every documented route, so a test can hold /docs/json against them. */
export function trackRoutes(app: FastifyInstance): void {
  const list: { method: string; path: string }[] = [];
  registered.set(app, list);
  app.addHook('onRoute', (r) => {
    // Swagger UI's own routes are hidden from the document; HEAD is Fastify's automatic twin of GET.
    if ((r.schema as { hide?: boolean } | undefined)?.hide) return;
    for (const method of [r.method].flat()) if (method !== 'HEAD') list.push({ method, path: r.url });
  });
}

export function registeredRoutes(app: FastifyInstance): { method: string; path: string }[] {
  return [...(registered.get(app) ?? [])];
}

/** Fastify's `/a/:id` as OpenAPI's `/a/{id}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');
