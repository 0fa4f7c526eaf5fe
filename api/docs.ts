import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppView, DeploymentView, ErrorBody, LogLineView, OperationView, ReleaseView, TokenView } from './responseSchemas';
import { TriggerHeader } from './schemas';

export const DOCS_PREFIX = '/docs';

/** Shapes shown once under components.schemas and referenced everywhere else. */
const named = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries({
  Error: ErrorBody,
  Deployment: DeploymentView,
  Operation: OperationView,
  LogLine: LogLineView,
  Release: ReleaseView,
  App: AppView,
  Token: TokenView,
})) {
  named.add(schema, { id });
}

const ERROR = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route starts an operation: it reads X-Slipway-Trigger. */
    startsOperation?: boolean;
  }
}

/**
 * GET /docs (Swagger UI, its assets served from node_modules, no CDN) and /docs/json (the
 * OpenAPI 3.1 document), built from the zod schemas every route declares. What no route
 * schema says lives here once: the headers of POST/PUT and the answers every body can get.
 */
export function registerDocs(app: FastifyInstance): void {
  const zodTransform = createJsonSchemaTransform({ schemaRegistry: named });
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Slipway API',
        version: '0.1.0',
        description: 'Durable deploys for multi-tenant app platforms. Anything that starts a workflow answers 202 with the operation.',
      },
      security: [{ bearer: [] }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an API token: slw_adm_… (admin) or slw_tnt_… (tenant)' },
        },
      },
    },
    transform: (doc) => {
      const out = zodTransform(doc) as { schema: Record<string, unknown>; url: string };
      const method = [doc.route.method].flat()[0];
      if (method !== 'POST' && method !== 'PUT') return out;
      const headers: Record<string, unknown> = {
        'Idempotency-Key': {
          type: 'string',
          minLength: 1,
          maxLength: 200,
          description:
            'repeat a request safely: the first answer is replayed (header Idempotent-Replayed: true); reused with another body → 422; sent twice → 400',
        },
      };
      if (doc.route.config?.startsOperation) {
        headers['X-Slipway-Trigger'] = {
          ...z.toJSONSchema(TriggerHeader),
          $schema: undefined,
          description: 'recorded on the operation; default api (admin for admin tokens)',
        };
      }
      const response = (out.schema.response ?? {}) as Record<string, unknown>;
      response['400'] ??= { description: 'bad input, with fields naming each problem', content: ERROR };
      response['413'] ??= { description: 'body larger than 1 MiB', content: ERROR };
      response['422'] ??= { description: 'idempotency_key_reused', content: ERROR };
      return { ...out, schema: { ...out.schema, headers: { type: 'object', properties: headers }, response } };
    },
    transformObject: createJsonSchemaTransformObject({ schemaRegistry: named }),
  });
  void app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
}
