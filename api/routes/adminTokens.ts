import type { ApiApp } from '../app';
import { listTokensPage, TOKEN_ORDER } from '../../db/queries/catalogList';
import { createToken, revokeToken } from '../../db/queries/tokens';
import type { ApiToken } from '../../db/schema';
import { requireAdmin } from '../auth';
import type { ApiContext } from '../context';
import { conflict, notFound } from '../errors';
import type { LogStreams } from '../logStreams';
import { openPage } from '../paging';
import { CreateTokenBody, ListTokensQuery, TokenParams } from '../schemas';
import { paged, TokenCreated, TokenView } from '../responseSchemas';
import { routeSchema } from '../routeSchema';

/** Never the hash, never the token: only what an operator needs to tell tokens apart. */
export function presentToken(t: ApiToken) {
  return { id: String(t.id), name: t.name, role: t.role, tenantId: t.tenant_id, createdAt: t.created_at, revokedAt: t.revoked_at };
}

/** Admins hand out and revoke tokens; the plain token is shown once, in the 201. */
export function adminTokenRoutes(app: ApiApp, ctx: ApiContext, streams: LogStreams): void {
  // A replayed create must not hand the token out again, nor keep it in the idempotency store.
  const create = routeSchema({
    summary: 'Create an API token (the plain token is shown once)',
    access: 'admin',
    body: CreateTokenBody,
    responses: { 201: { description: 'created', schema: TokenCreated } },
  });
  const list = routeSchema({
    summary: 'List tokens (no hashes, no tokens), a page at a time',
    access: 'admin',
    query: ListTokensQuery,
    responses: { 200: { description: 'a page of tokens', schema: paged('tokens', TokenView) } },
  });
  const revoke = routeSchema({
    summary: 'Revoke a token (idempotent)',
    access: 'admin',
    params: TokenParams,
    responses: {
      200: { description: 'the revoked token (its open log streams end)', schema: TokenView },
      409: { description: 'last_admin_token' },
    },
  });
  app.post('/api/admin/tokens', { schema: create, config: { idempotencyRedact: ['token'] } }, async (req, reply) => {
    requireAdmin(req);
    const body = req.body;
    const { token, row } = await createToken(ctx.db, { name: body.name, role: body.role, tenantId: body.tenantId ?? null });
    return reply.status(201).send({ token, ...presentToken(row) });
  });

  app.get('/api/admin/tokens', { schema: list }, async (req) => {
    requireAdmin(req);
    const { limit, cursor, tenant, ...rest } = req.query;
    const filters = { ...rest, tenantId: tenant };
    const { page, cursorOf } = openPage('tokens', TOKEN_ORDER, { limit, cursor }, filters);
    const { rows, nextKey } = await listTokensPage(ctx.db, filters, page);
    return { tokens: rows.map(presentToken), nextCursor: cursorOf(nextKey) };
  });

  app.delete('/api/admin/tokens/:id', { schema: revoke }, async (req) => {
    requireAdmin(req);
    const { id } = req.params;
    const result = await revokeToken(ctx.db, id);
    if (result.kind === 'not_found') throw notFound(`token ${id}`);
    // Revoking the last admin token would lock every operator out of the API.
    if (result.kind === 'last_admin') {
      throw conflict('last_admin_token', 'this is the last active admin token; create another admin token first');
    }
    // Streams this instance serves end now; other instances' streams notice within a second.
    streams.endForToken(String(result.row.id));
    return presentToken(result.row);
  });
}
