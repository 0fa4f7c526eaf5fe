import type { FastifySchemaCompiler, FastifySerializerCompiler, FastifyTypeProvider } from 'fastify';
import type { z } from 'zod';
import { badRequest } from './errors';

type Where = 'body' | 'query' | 'params' | 'headers';

/** zod issues → one 400 naming each field, e.g. `body.manifest.services.0.command`. */
function invalid(where: Where, error: z.ZodError) {
  const fields = error.issues.map((i) => ({ field: [where, ...i.path.map(String)].join('.'), message: i.message }));
  return badRequest(`invalid ${where}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
}

/** For the few checks that run inside a handler (an id read again in a shared loader). */
export function parseInput<T extends z.ZodType>(schema: T, data: unknown, where: Where): z.infer<T> {
  const r = schema.safeParse(data ?? {});
  if (r.success) return r.data;
  throw invalid(where, r.error);
}

/**
 * Fastify validates every route's params, query and body with their zod schemas before the
 * handler runs. A missing body is `{}`, so lifecycle actions take no body or an empty one.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const where: Where = httpPart === 'querystring' ? 'query' : ((httpPart ?? 'body') as Where);
  return (data) => {
    const r = schema.safeParse(data ?? {});
    return r.success ? { value: r.data } : { error: invalid(where, r.error) };
  };
};

/**
 * Response schemas document the answers (and the schemathesis run in `npm test` holds real
 * answers against them); they are not enforced per answer in production, where a drift would
 * turn a good answer into a 500.
 */
export const jsonSerializerCompiler: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data);

/** Request types from the zod schemas a route declares; answers stay free-form (see above). */
export interface ZodInputTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: unknown;
}
