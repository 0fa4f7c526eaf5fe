import type { z } from 'zod';
import { badRequest } from './errors';

/** zod → 400 naming each field, e.g. `body.manifest.services.0.command`. */
export function parseInput<T extends z.ZodType>(schema: T, data: unknown, where: 'body' | 'query' | 'params'): z.infer<T> {
  const r = schema.safeParse(data ?? {});
  if (r.success) return r.data;
  const fields = r.error.issues.map((i) => ({ field: [where, ...i.path.map(String)].join('.'), message: i.message }));
  throw badRequest(`invalid ${where}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
}
