import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../openapi';

/** GET /docs: the OpenAPI document, public so tools can fetch it before they hold a token. */
export function docsRoutes(app: FastifyInstance): void {
  const doc = openApiDocument();
  app.get('/docs', async () => doc);
}
