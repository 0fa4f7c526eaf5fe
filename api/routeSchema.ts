import type { FastifySchema } from 'fastify';
import { z } from 'zod';
import { ErrorBody } from './responseSchemas';

type Access = 'public' | 'token' | 'admin';

export interface RouteDoc<P extends z.ZodObject | undefined, Q extends z.ZodObject | undefined, B extends z.ZodType | undefined> {
  summary: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Starts an operation: reads X-Slipway-Trigger (documented by api/docs.ts). */
  starts?: boolean;
  /** Answers by status: a description and a zod schema (ErrorBody for 4xx unless given), or content by media type. */
  responses: Record<number, { description: string; schema?: z.ZodType; content?: Record<string, { schema: z.ZodType }> }>;
}

/** Errors every route of a kind can answer; a route lists its own (409 …) in `responses`. */
function standardErrors(r: RouteDoc<z.ZodObject | undefined, z.ZodObject | undefined, z.ZodType | undefined>): Record<number, string> {
  const errors: Record<number, string> = {};
  if (r.params || r.query || r.body || r.starts) errors[400] = 'bad input, with fields naming each problem';
  if (r.access !== 'public') errors[401] = 'missing or invalid bearer token';
  if (r.access !== 'public') errors[429] = 'too many failed token checks from this address; wait Retry-After seconds';
  if (r.access === 'admin') errors[403] = 'needs an admin token';
  if (r.params) errors[404] = "not found (another tenant's deployment is not found either)";
  return errors;
}

/**
 * A route's Fastify `schema`: Fastify validates params, query and body with these zod
 * schemas, and @fastify/swagger documents the same ones at /docs.
 */
export function routeSchema<
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(r: RouteDoc<P, Q, B>): { params: P; querystring: Q; body: B; response: Record<string, unknown> } & FastifySchema {
  const json = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema } } });
  const response: Record<string, unknown> = {};
  for (const [status, description] of Object.entries(standardErrors(r))) response[status] = json(description, ErrorBody);
  for (const [status, res] of Object.entries(r.responses)) {
    response[status] = res.content
      ? { description: res.description, content: res.content }
      : json(res.description, res.schema ?? (Number(status) >= 400 ? ErrorBody : z.unknown()));
  }
  // Keys a route does not declare stay absent: Fastify warns about parts present but undefined.
  const parts = Object.fromEntries(
    Object.entries({ params: r.params, querystring: r.query, body: r.body }).filter(([, v]) => v !== undefined),
  ) as { params: P; querystring: Q; body: B };
  return {
    summary: r.summary,
    ...(r.access === 'public' ? { security: [] } : {}),
    ...(r.access === 'admin' ? { description: 'admin tokens only' } : {}),
    ...parts,
    response,
  };
}
